// The hub extended with custom message handlers: a word filter that every message passes,
// and a `/roll` dice command. HOST and PORT change where it listens.
// Run: npx tsx examples/custom-handler.ts   then: nc 127.0.0.1 8000   and type /roll 2d6
import { BroadcastHub } from '../src/index.js';

const hub = new BroadcastHub({ chat: true });

// Every message passes the filter first, commands (`/me darn`) included.
const banned = /\b(darn|heck|drat)\b/gi;
hub.use(function wordFilter(ctx) {
  ctx.message = ctx.message.replace(banned, (word) => '*'.repeat(word.length));
});

// `/roll NdM` rolls N dice of M sides; the room sees the result, as an action.
hub.command(
  'roll',
  (ctx, { args }) => {
    const match = /^(\d{1,2})d(\d{1,3})$/.exec(args[0] ?? '1d6');
    const count = Number(match?.[1] ?? 0);
    const sides = Number(match?.[2] ?? 0);
    if (count < 1 || sides < 2) {
      ctx.refuse('ERR_USAGE', 'usage: /roll NdM, e.g. /roll 2d6');
      return;
    }
    const dice = Array.from({ length: count }, () => 1 + Math.floor(Math.random() * sides));
    const total = dice.reduce((sum, die) => sum + die, 0);
    const text = `rolls ${count}d${sides}: ${dice.join(' + ')} = ${total}`;
    ctx.hub.relayMessage(ctx.peer, text, { room: ctx.peer.room, action: true });
    ctx.reply(`you ${text.slice('rolls '.length)}`);
  },
  { usage: '[NdM]', description: 'roll dice, 1d6 by default' },
);

hub.on('clientError', (error, peer) => {
  console.error(`client ${peer.nick}: ${error.message}`);
});
hub.on('error', (error) => {
  console.error(`hub: ${error.message}`);
});

const port = Number(process.env.PORT ?? 8000);
const { address, port: bound } = await hub.listen({ port, host: process.env.HOST ?? '0.0.0.0' });
console.log(`chat on ${address}:${bound}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void hub.close().then(() => process.exit(0));
  });
}
