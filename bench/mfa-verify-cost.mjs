// CPU cost of the second factor beside the password hash (issue 16):
//   node tools/build.mjs && node bench/mfa-verify-cost.mjs [--iterations N]
// Measures, from dist/, one login's TOTP verify as the service will do it (open the AES-256-GCM
// sealed secret, validate the code with ±1 step, claim the step in the in-process replay guard),
// a recovery-code check (HMAC lookups), and one argon2id verify with the API's default parameters
// (the password check every login already pays). CPU time is process.cpuUsage (user + system, all
// threads, so argon2's libuv worker is counted), per operation, median of 5 rounds.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const dist = new URL('../dist/', import.meta.url).pathname;
const { KeyRing } = require(`${dist}platform/crypto/key-ring.js`);
const { SecretBox } = require(`${dist}platform/crypto/secret.box.js`);
const { TotpFactor } = require(`${dist}mfa/totp/totp.factor.js`);
const { MemoryTotpReplayGuard } = require(`${dist}mfa/totp/totp-replay.guard.js`);
const { totpSecretContext } = require(`${dist}mfa/totp/totp-secret.seal.js`);
const { RecoveryCodeFactor } = require(`${dist}mfa/recovery/recovery-code.factor.js`);
const { PasswordHasher } = require(`${dist}auth/passwords/password.hasher.js`);
const { envSchema } = require(`${dist}platform/config/env.schema.js`);

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '2000' } } });
const iterations = Number(values.iterations);
const defaults = envSchema.parse({});

async function measure(label, count, op) {
  const rounds = [];
  for (let round = 0; round < 5; round += 1) {
    const cpu = process.cpuUsage();
    const wall = process.hrtime.bigint();
    for (let i = 0; i < count; i += 1) await op(i);
    const used = process.cpuUsage(cpu);
    rounds.push({ cpuUs: (used.user + used.system) / count, wallUs: Number(process.hrtime.bigint() - wall) / 1000 / count });
  }
  const median = (key) => rounds.map((r) => r[key]).sort((a, b) => a - b)[2];
  const result = { label, cpuUs: median('cpuUs'), wallUs: median('wallUs') };
  process.stdout.write(`${label.padEnd(58)} ${result.cpuUs.toFixed(1).padStart(10)} µs CPU ${result.wallUs.toFixed(1).padStart(10)} µs wall\n`);
  return result;
}

const ring = KeyRing.generate('bench').ring;
const box = new SecretBox(ring);
let now = 1_800_000_000_000;
const factor = new TotpFactor({ issuer: 'bench', replayGuard: new MemoryTotpReplayGuard(30, () => now), now: () => now });
const { secret } = await factor.setup('bench');
const users = Array.from({ length: iterations }, (_, i) => `user-${i}`);
const sealed = users.map((user) => box.seal(secret, totpSecretContext(user)));
const code = factor.generate(secret);

process.stdout.write(`Node ${process.version}, argon2id m=${defaults.ARGON2_MEMORY_KIB} KiB t=${defaults.ARGON2_ITERATIONS} p=${defaults.ARGON2_PARALLELISM}\n`);
// Warm up the JIT on both paths.
for (let i = 0; i < 200; i += 1) await factor.verify(`warm-${i}`, box.openText(sealed[0], totpSecretContext(users[0])), code);

let round = 0;
const totp = await measure('TOTP verify (open sealed secret + validate ±1 + claim)', iterations, async (i) => {
  // A distinct user each time, so each verify is accepted (not a replay) and does the full work.
  const user = `r${round}-${users[i]}`;
  const verdict = await factor.verify(user, box.openText(sealed[i], totpSecretContext(users[i])), code);
  if (!verdict.ok) throw new Error(`unexpected verdict ${JSON.stringify(verdict)}`);
  if (i === iterations - 1) round += 1;
});
const wrong = await measure('TOTP verify, wrong code (3 HMACs, no claim)', iterations, async (i) => {
  await factor.verify(users[i], box.openText(sealed[i], totpSecretContext(users[i])), '000000');
});
const recovery = new RecoveryCodeFactor(ring);
const issued = recovery.issue('user-0');
await measure('recovery code lookups (HMAC per ring key)', iterations, async () => recovery.lookups('user-0', issued.codes[3]));

const hasher = new PasswordHasher({ memoryCost: defaults.ARGON2_MEMORY_KIB, timeCost: defaults.ARGON2_ITERATIONS, parallelism: defaults.ARGON2_PARALLELISM });
const hash = await hasher.hash('correct horse battery staple');
const argon = await measure('argon2id verify (default parameters)', 20, async () => {
  if (!(await hasher.verify(hash, 'correct horse battery staple'))) throw new Error('argon2 verify failed');
});
process.stdout.write(`\nargon2id verify / TOTP verify: ${(argon.cpuUs / totp.cpuUs).toFixed(0)}x CPU; a login with TOTP adds ${((totp.cpuUs / argon.cpuUs) * 100).toFixed(2)}% to the password check's CPU (wrong code: ${wrong.cpuUs.toFixed(1)} µs)\n`);
