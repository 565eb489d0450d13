// Prints the Steam Guard vectors of steam_test.go's steamTOTPPackage table with
// the npm package steam-totp 2.1.2, an implementation independent of ours:
//   npm install steam-totp@2.1.2 && node steam-totp-vectors.js
const st = require('steam-totp');
// Deterministic secrets: byte j of secret i is (i*37 + j*11 + 5) mod 256, length 10 + i*5 mod 55.
const out = [];
let t = 1000000007;
for (let i = 0; i < 12; i++) {
  const len = 10 + (i * 5) % 55;
  const secret = Buffer.alloc(len);
  for (let j = 0; j < len; j++) secret[j] = (i * 37 + j * 11 + 5) % 256;
  t = (t * 48271) % 2147483647;
  const unix = t;
  st.time = () => unix;
  out.push([secret.toString('base64'), unix, st.generateAuthCode(secret)]);
}
// The two published examples, for comparison.
st.time = () => 0; out.push(['zeros20', 0, st.generateAuthCode(Buffer.alloc(20))]);
st.time = () => 30; out.push(['zeros20', 30, st.generateAuthCode(Buffer.alloc(20))]);
console.log(JSON.stringify(out, null, 1));
