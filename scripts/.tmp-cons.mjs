import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
const nc = await connect({ servers: '127.0.0.1:4222' });
const jsm = await jetstreamManager(nc);
for (const name of process.argv.slice(2)) {
  const si = await jsm.streams.info(name);
  console.log(name, 'msgs', si.state.messages, 'bytes', si.state.bytes, 'consumers', si.state.consumer_count);
  for await (const c of jsm.consumers.list(name)) console.log(' ', c.name, 'pending', c.num_pending, 'ack_pending', c.num_ack_pending, 'waiting', c.num_waiting, 'redelivered', c.num_redelivered, 'delivered', c.delivered.stream_seq, 'ackfloor', c.ack_floor.stream_seq);
}
await nc.close();
