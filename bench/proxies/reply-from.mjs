// The compare harness's @fastify/reply-from target, in its simplest balanced
// form: reply-from's own undici BalancedPool over the backends, keep-alive,
// 128 connections per backend; request bodies are streamed through unparsed.
// Usage: node reply-from.mjs PORT BACKEND_URL...
import Fastify from 'fastify';
import replyFrom from '@fastify/reply-from';

const [port, ...targets] = process.argv.slice(2);
const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
await app.register(replyFrom, { base: targets, undici: { connections: 128 } });
app.all('/*', (req, reply) => reply.from(req.url));
await app.listen({ port: Number(port), host: '127.0.0.1' });
console.log(`reply-from listening on ${port}`);
