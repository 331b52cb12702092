// A token server for a real docker-registry with `auth: token` (the distribution token spec):
// GET /token?service=&scope= with HTTP basic auth, or POST /token with an OAuth2 refresh token
// (grant_type=refresh_token), answers an ES256 JWT carrying the certificate in "x5c", which the
// registry verifies against its rootcertbundle. GET /stats answers how many tokens it issued.
// Usage: node token-server.js PORT KEY.pem CERT.pem ISSUER USER PASSWORD REFRESH_TOKEN LIFETIME_S
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');

const [port, keyFile, certFile, issuer, user, password, refreshToken, lifetime] =
    process.argv.slice(2);
const key = crypto.createPrivateKey(fs.readFileSync(keyFile));
const certDer = new crypto.X509Certificate(fs.readFileSync(certFile)).raw.toString('base64');
let issued = 0;

const b64url = (data) => Buffer.from(data).toString('base64url');

function sign(service, scope, subject) {
  const now = Math.floor(Date.now() / 1000);
  const access = [];
  if (scope) {
    const [type, name, actions] = scope.split(':');
    access.push({type, name, actions: actions.split(',')});
  }
  const header = {typ: 'JWT', alg: 'ES256', x5c: [certDer]};
  const claims = {
    iss: issuer, sub: subject, aud: service, exp: now + Number(lifetime), nbf: now - 10,
    iat: now, jti: crypto.randomBytes(12).toString('hex'), access,
  };
  const input = b64url(JSON.stringify(header)) + '.' + b64url(JSON.stringify(claims));
  const signature = crypto.sign('sha256', Buffer.from(input), {key, dsaEncoding: 'ieee-p1363'});
  return input + '.' + b64url(signature);
}

function answer(res, status, body) {
  res.writeHead(status, {'Content-Type': 'application/json'});
  res.end(JSON.stringify(body));
}

function issue(res, service, scope, subject) {
  issued += 1;
  answer(res, 200, {
    token: sign(service, scope, subject), expires_in: Number(lifetime),
    issued_at: new Date().toISOString(),
  });
}

http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/stats') return answer(res, 200, {issued});
  if (url.pathname !== '/token') return answer(res, 404, {error: 'not found'});
  if (req.method === 'POST') {
    let body = '';
    req.on('data', (chunk) => body += chunk);
    req.on('end', () => {
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== refreshToken) {
        return answer(res, 401, {error: 'invalid_grant'});
      }
      issue(res, form.get('service'), form.get('scope'), user);
    });
    return;
  }
  const expected = 'Basic ' + Buffer.from(user + ':' + password).toString('base64');
  if (req.headers.authorization !== expected) {
    return answer(res, 401, {errors: [{code: 'UNAUTHORIZED', message: 'bad user or password'}]});
  }
  issue(res, url.searchParams.get('service'), url.searchParams.get('scope'), user);
}).listen(Number(port), '127.0.0.1', () => console.log('token server listening on ' + port));
