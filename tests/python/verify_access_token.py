"""Verifies a Guichet access token with PyJWT, knowing only the published JWKS URL.

Usage: verify_access_token.py JWKS_URL TOKEN AUDIENCE ISSUER
Prints the verified claims as JSON, or `REFUSED: <reason>` and exits 1.
"""
import json
import sys

import jwt

jwks_url, token, audience, issuer = sys.argv[1:5]
try:
    signing_key = jwt.PyJWKClient(jwks_url).get_signing_key_from_jwt(token)
    claims = jwt.decode(
        token,
        signing_key.key,
        algorithms=["EdDSA"],
        audience=audience,
        issuer=issuer,
        options={"require": ["exp", "iat", "sub", "aud", "iss"]},
    )
except Exception as error:  # any refusal is the answer under test
    print(f"REFUSED: {type(error).__name__}: {error}")
    sys.exit(1)
print(json.dumps(claims))
