// The first-line pitfall the README states: ESM links all of a file's static imports before it
// runs any, so `import 'ringsock/register'` cannot change its neighbours; a dynamic import
// after it (or --import / -r) gets ringsock. Prints "<static> <dynamic>".
import 'ringsock/register';
import dgram from 'node:dgram';
import own from 'ringsock/dgram';
const later = (await import('node:dgram')).default;
console.log(dgram === own, later === own);
