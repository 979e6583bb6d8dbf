//! Starts tests/node/oidc-provider.mjs as a child process and waits for its ready line, so
//! Node-side checks drive the very same provider the Rust tests start.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const script = fileURLToPath(new URL('../oidc-provider.mjs', import.meta.url));

/** Resolves to { issuer, stop(), stderr(), laterStdout() } once the provider printed `OIDC_ISSUER=...`. */
export function startProvider(args, { timeoutMs = 15000 } = {}) {
  const child = spawn(process.execPath, [script, '--exit-with-stdin', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`provider not ready after ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`provider exited with ${code}\n${stderr}`));
    });
    const lines = createInterface({ input: child.stdout });
    const laterLines = [];
    lines.once('line', (line) => {
      clearTimeout(timer);
      const issuer = /^OIDC_ISSUER=(http:\/\/\S+)$/.exec(line)?.[1];
      if (!issuer) {
        child.kill();
        reject(new Error(`unexpected first line: ${line}`));
        return;
      }
      child.removeAllListeners('exit');
      lines.on('line', (later) => laterLines.push(later));
      resolve({
        issuer,
        stderr: () => stderr,
        /** Lines printed on stdout after the ready line (there should be none). */
        laterStdout: () => laterLines,
        stop: () => new Promise((done) => {
          if (child.exitCode !== null) { done(); return; }
          child.once('exit', done);
          child.stdin.end();
        }),
      });
    });
  });
}
