// The Node.js receiver the ingress bar is measured against (issue 13, SPEC
// section 3): what a small team would write with HubSpot's own client and
// kafkajs. Checks the v3 signature with @hubspot/api-client, parses the
// batch, produces one message per event (key portal:type:object, like
// hbsync-ingress) with acks=all on an idempotent producer, and answers 204
// once Kafka acknowledged them (503 otherwise).
//
//   PORT=... BROKERS=host:port,... SECRET=... BASE_URL=http://127.0.0.1:PORT \
//     TOPIC=hubspot.events node receiver.js
'use strict';
const http = require('http');
const { Signature } = require('@hubspot/api-client');
const { Kafka, logLevel } = require('kafkajs');
const Cluster = require('kafkajs/src/cluster');

// The dev broker (librdkafka's mock cluster, tools/kafka-dev) names
// controller id 0, which is no broker; kafkajs asks the controller for the
// idempotent producer's id (InitProducerId), which any broker answers when
// there is no transactional id. So: the controller, else the first broker.
const findController = Cluster.prototype.findControllerBroker;
Cluster.prototype.findControllerBroker = async function () {
  try {
    return await findController.call(this);
  } catch (e) {
    if (e.name !== 'KafkaJSBrokerNotFound') throw e;
    return this.findBroker({ nodeId: this.getNodeIds()[0] });
  }
};

const port = Number(process.env.PORT || 8090);
const secret = process.env.SECRET || 'bench-secret';
const baseUrl = process.env.BASE_URL || `http://127.0.0.1:${port}`;
const topic = process.env.TOPIC || 'hubspot.events';
const kafka = new Kafka({
  clientId: 'node-receiver',
  brokers: (process.env.BROKERS || '127.0.0.1:9092').split(','),
  logLevel: logLevel.ERROR,
});
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });

function keyOf(e) {
  const type = String(e.subscriptionType || '').split('.')[0];
  return `${e.portalId}:${type}:${e.objectId || e.fromObjectId || 0}`;
}

async function handle(req, body, res) {
  let valid = false;
  try {
    valid = Signature.isValid({
      signatureVersion: 'v3',
      method: req.method,
      signature: req.headers['x-hubspot-signature-v3'],
      clientSecret: secret,
      requestBody: body,
      url: baseUrl + req.url,
      timestamp: Number(req.headers['x-hubspot-request-timestamp']),
    });
  } catch (e) {
    valid = false;
  }
  if (!valid) {
    res.writeHead(401).end();
    return;
  }
  let events;
  try {
    events = JSON.parse(body);
  } catch (e) {
    res.writeHead(400).end();
    return;
  }
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: events.map((e) => ({ key: keyOf(e), value: JSON.stringify(e) })),
    });
    res.writeHead(204).end();
  } catch (e) {
    res.writeHead(503, { 'Retry-After': '5' }).end();
  }
}

async function main() {
  await producer.connect();
  http
    .createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => handle(req, Buffer.concat(chunks).toString('utf8'), res));
    })
    .listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
