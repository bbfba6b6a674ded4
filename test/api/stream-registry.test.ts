/** MediaStreamRegistry (Middleware API §4.4): types tried by descending priority through newFromSdp. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MediaStreamRegistry } from '../../src/streams/registry.js';
import { parseSDP } from '../../src/sdp/session-description.js';
import type { MediaStreamType } from '../../src/streams/media-stream.js';
import { ProbeStream } from './probe-stream.js';

const offer = parseSDP('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\nm=video 4002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\nm=audio 0 RTP/AVP 0\r\n');

function kind(name: string, priority: number, takes: (type: string) => boolean): MediaStreamType & { made: string[] } {
  const made: string[] = [];
  return {
    type: name,
    priority,
    made,
    newFromSdp(sdp, i) {
      if (!takes(sdp.media[i].type)) return undefined;
      made.push(`${name}:${i}`);
      return new ProbeStream();
    },
  };
}

test('higher priority first; lines no type takes, and port-0 lines, get no stream; add is idempotent', () => {
  const registry = new MediaStreamRegistry();
  const low = kind('low', 1, (t) => t === 'audio');
  const high = kind('high', 10, (t) => t === 'audio');
  registry.add(low);
  registry.add(high);
  registry.add(low);
  assert.equal([...registry].map((t) => t.type), ['high', 'low']);
  const streams = registry.streamsFor(offer);
  assert.ok(streams[0] instanceof ProbeStream);
  assert.is(streams[1], undefined);
  assert.is(streams[2], undefined);
  assert.equal(high.made, ['high:0']);
  assert.equal(low.made, []);
  registry.remove(high);
  registry.streamsFor(offer);
  assert.equal(low.made, ['low:0']);
});

test.run();
