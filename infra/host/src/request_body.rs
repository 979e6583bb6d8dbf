//! A request body as the guest reads it, cut short when it grows past the size limit or
//! arrives too slowly; the verdict lets the trigger answer 413 or 408 whatever the guest did
//! with the failed read.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::time::{Instant, Sleep};
use wasmtime_wasi_http::Error as HttpError;

use crate::limits::Limits;

/// Why a body was cut short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    TooLarge,
    TooSlow,
}

/// Set by the body when it refuses, read by the trigger once the guest has answered.
#[derive(Debug, Clone, Default)]
pub struct Verdict(Arc<AtomicU8>);

impl Verdict {
    fn set(&self, refusal: Refusal) {
        let code = match refusal {
            Refusal::TooLarge => 1,
            Refusal::TooSlow => 2,
        };
        let _ = self.0.compare_exchange(0, code, Ordering::SeqCst, Ordering::SeqCst);
    }

    pub fn get(&self) -> Option<Refusal> {
        match self.0.load(Ordering::SeqCst) {
            1 => Some(Refusal::TooLarge),
            2 => Some(Refusal::TooSlow),
            _ => None,
        }
    }
}

/// The incoming body with the size cap and the time limit of [`Limits`].
pub struct LimitedBody<B> {
    inner: B,
    received: u64,
    max_bytes: u64,
    started: Instant,
    timeout: Duration,
    min_rate: u64,
    deadline: Pin<Box<Sleep>>,
    verdict: Verdict,
}

impl<B> LimitedBody<B> {
    pub fn new(inner: B, limits: &Limits, verdict: Verdict) -> LimitedBody<B> {
        let started = Instant::now();
        LimitedBody {
            inner,
            received: 0,
            max_bytes: limits.max_body_bytes,
            started,
            timeout: limits.body_timeout,
            min_rate: limits.body_min_rate.max(1),
            deadline: Box::pin(tokio::time::sleep_until(started + limits.body_timeout)),
            verdict,
        }
    }

    /// The body timeout, plus one second per `min_rate` bytes already received.
    fn extend_deadline(&mut self) {
        let earned = Duration::from_secs_f64(self.received as f64 / self.min_rate as f64);
        self.deadline.as_mut().reset(self.started + self.timeout + earned);
    }

    fn refuse(&self, refusal: Refusal) -> Poll<Option<Result<Frame<Bytes>, HttpError>>> {
        self.verdict.set(refusal);
        Poll::Ready(Some(Err(match refusal {
            Refusal::TooLarge => HttpError::HttpRequestBodySize(Some(self.max_bytes)),
            Refusal::TooSlow => HttpError::ConnectionReadTimeout,
        })))
    }
}

impl<B> Body for LimitedBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<HttpError>,
{
    type Data = Bytes;
    type Error = HttpError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, HttpError>>> {
        if let Some(refusal) = self.verdict.get() {
            return self.refuse(refusal);
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    self.received += data.len() as u64;
                    if self.received > self.max_bytes {
                        return self.refuse(Refusal::TooLarge);
                    }
                    self.extend_deadline();
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => match self.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => self.refuse(Refusal::TooSlow),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
