// A user's typed ESM app scraping ringsock/metrics with prom-client (test/package/user.sh).
import { register } from 'ringsock/metrics';
import { Registry } from 'prom-client';
import { createSocket } from 'ringsock/dgram';

const registry = new Registry();
register(registry, { prefix: 'app_' });
const socket = createSocket('udp4');
socket.bind(0, '127.0.0.1', async () => {
  const text = await registry.metrics();
  const { port } = socket.address();
  const line = `app_sockets{backend="uring",type="udp4",address="127.0.0.1",port="${port}"} 1`;
  console.log(text.split('\n').includes(line) ? 'scraped' : text);
  socket.close();
});
