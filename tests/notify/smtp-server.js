// A real SMTP server for the email sink's tests: the npm `smtp-server` package on 127.0.0.1.
// Usage: node smtp-server.js <package dir> <options.json>
// options: {port, out_dir, secure, starttls, auth_methods, username, password, key, cert}
// Each accepted message is written to <out_dir>/<n>.json as
// {mail_from, rcpt_to, user, auth_method, secure, data}. Recipients starting with "reject"
// are refused with 550. Prints "SMTP ready" once listening.
'use strict';
const fs = require('fs');
const path = require('path');
const { SMTPServer } = require(process.argv[2]);
const options = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));

let count = 0;
const server = new SMTPServer({
  secure: options.secure,
  key: fs.readFileSync(options.key),
  cert: fs.readFileSync(options.cert),
  disabledCommands: options.starttls || options.secure ? [] : ['STARTTLS'],
  authMethods: options.auth_methods,
  logger: false,
  onAuth(auth, session, callback) {
    if (auth.username === options.username && auth.password === options.password) {
      callback(null, { user: { name: auth.username, method: auth.method } });
    } else {
      callback(new Error('Invalid username or password'));
    }
  },
  onRcptTo(address, session, callback) {
    if (address.address.startsWith('reject')) {
      const error = new Error('mailbox unavailable');
      error.responseCode = 550;
      callback(error);
      return;
    }
    callback();
  },
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => {
      const message = {
        mail_from: session.envelope.mailFrom.address,
        rcpt_to: session.envelope.rcptTo.map((r) => r.address),
        user: session.user ? session.user.name : null,
        auth_method: session.user ? session.user.method : null,
        secure: session.secure,
        data: Buffer.concat(chunks).toString('utf8'),
      };
      count += 1;
      const file = path.join(options.out_dir, `${count}.json`);
      fs.writeFileSync(file + '.tmp', JSON.stringify(message));
      fs.renameSync(file + '.tmp', file);
      callback();
    });
  },
});
server.on('error', (error) => console.error('smtp-server error:', error.message));
server.listen(options.port, '127.0.0.1', () => console.log('SMTP ready'));
