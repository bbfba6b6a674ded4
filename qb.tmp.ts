import { corpus } from '/work/main/bench/corpus.ts';
import { parseMessage } from '/work/main/src/index.ts';
const bufs = corpus.map((c) => Buffer.from(c.text));
let acc = 0;
function touch(m: any) {
  const v = m.via[0]; acc += v.branch.length + v.host.length;
  acc += (m.from.tag?.length ?? 0) + (m.to.tag?.length ?? 0) + m.callId.length + m.cseq.seq;
  m.from.uri; m.to.uri;
  for (const c of m.contact) acc += c.uri ? 1 : 0;
  acc += m.maxForwards ?? 0; acc += m.contentLength ?? 0;
  acc += m.route.length + m.recordRoute.length;
}
for (let r = 0; r < 5; r++) {
  const t0 = process.hrtime.bigint(); let n = 0;
  while (process.hrtime.bigint() - t0 < 1_000_000_000n) { for (const b of bufs) { touch(parseMessage(b)); n++; } }
  console.log('msgs/s', n, acc > 0);
}
