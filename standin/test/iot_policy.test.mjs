// Units of the IoT policy evaluation (lib/iot_policy.mjs), of who gets which policies
// (lib/policy_set.mjs) and of the rule engine's policy hooks (lib/mqtt_inspect.mjs,
// lib/mqtt_downstream.mjs), byte for byte. No stand-in is started.
import assert from 'node:assert/strict';
import test from 'node:test';
import { evaluatePolicies, parsePolicyDocument, resourcePattern } from '../lib/iot_policy.mjs';
import { BrokerStream } from '../lib/mqtt_downstream.mjs';
import { MqttInspector, encodePacket } from '../lib/mqtt_inspect.mjs';
import { PolicyAuthority, parsePolicySet } from '../lib/policy_set.mjs';

const ARN = 'arn:aws:iot:us-east-1:123456789012';
const doc = (...Statement) => ({ Version: '2012-10-17', Statement });
const allow = (Action, Resource) => ({ Effect: 'Allow', Action, Resource });
const deny = (Action, Resource) => ({ Effect: 'Deny', Action, Resource });
const evalOne = (d, action, resource, ctx) => evaluatePolicies([parsePolicyDocument(d, 'p')], action, `${ARN}:${resource}`, ctx);

test('PolicyEval_AllowMatchingActionAndResource_Allowed', () => {
  const v = evalOne(doc(allow('iot:Publish', `${ARN}:topic/a/b`)), 'iot:Publish', 'topic/a/b');
  assert.equal(v.allowed, true);
  assert.match(v.why, /policy 'p' statement 1/);
});

test('PolicyEval_NoMatchingStatement_DefaultDenyNamesThePolicies', () => {
  const v = evalOne(doc(allow('iot:Publish', `${ARN}:topic/a`)), 'iot:Publish', 'topic/b');
  assert.equal(v.allowed, false);
  assert.match(v.why, /no statement allows it \(policies 'p'\)/);
  assert.equal(evaluatePolicies([], 'iot:Connect', `${ARN}:client/x`).allowed, false);
});

test('PolicyEval_DenyInAnotherPolicy_WinsOverAllow', () => {
  const a = parsePolicyDocument(doc(allow('iot:*', '*')), 'all');
  const d = parsePolicyDocument(doc({ Sid: 'noSecret', ...deny('iot:Subscribe', `${ARN}:topicfilter/secret/*`) }), 'guard');
  const v = evaluatePolicies([a, d], 'iot:Subscribe', `${ARN}:topicfilter/secret/#`);
  assert.equal(v.allowed, false);
  assert.match(v.why, /explicitly denied by policy 'guard' statement 1 \(Sid noSecret\)/);
  assert.equal(evaluatePolicies([a, d], 'iot:Subscribe', `${ARN}:topicfilter/open/#`).allowed, true);
});

test('PolicyEval_ActionWildcardsAndCase_MatchAsIam', () => {
  assert.equal(evalOne(doc(allow('iot:*', '*')), 'iot:RetainPublish', 'topic/x').allowed, true);
  assert.equal(evalOne(doc(allow('iot:Pub*', '*')), 'iot:Publish', 'topic/x').allowed, true);
  assert.equal(evalOne(doc(allow('IOT:publish', '*')), 'iot:Publish', 'topic/x').allowed, true);
  assert.equal(evalOne(doc(allow('iot:Pub*', '*')), 'iot:Subscribe', 'topicfilter/x').allowed, false);
  assert.equal(evalOne(doc(allow(['iot:Connect', 'iot:Receiv?'], '*')), 'iot:Receive', 'topic/x').allowed, true);
});

test('PolicyEval_PlusAndHashInResource_AreLiteralNotWildcards', () => {
  const d = doc(allow('iot:Subscribe', `${ARN}:topicfilter/demo/#`));
  assert.equal(evalOne(d, 'iot:Subscribe', 'topicfilter/demo/#').allowed, true);
  assert.equal(evalOne(d, 'iot:Subscribe', 'topicfilter/demo/a').allowed, false);
  // `*` covers the filter `demo/#` as typed (web/AWS.md relies on it).
  assert.equal(evalOne(doc(allow('iot:Subscribe', `${ARN}:topicfilter/demo/*`)), 'iot:Subscribe', 'topicfilter/demo/#').allowed, true);
  assert.equal(evalOne(doc(allow('iot:Publish', `${ARN}:topic/a/?`)), 'iot:Publish', 'topic/a/b').allowed, true);
  assert.equal(evalOne(doc(allow('iot:Publish', `${ARN}:topic/a/?`)), 'iot:Publish', 'topic/a/bc').allowed, false);
});

test('PolicyEval_ClientIdVariable_SubstitutedLiterally', () => {
  const d = doc(allow('iot:Publish', `${ARN}:topic/dev/\${iot:ClientId}/*`));
  assert.equal(evalOne(d, 'iot:Publish', 'topic/dev/c1/t', { clientId: 'c1' }).allowed, true);
  assert.equal(evalOne(d, 'iot:Publish', 'topic/dev/c2/t', { clientId: 'c1' }).allowed, false);
  // A '*' in the value is a character, not a wildcard.
  assert.equal(evalOne(d, 'iot:Publish', 'topic/dev/anything/t', { clientId: '*' }).allowed, false);
  // No value for the variable: the resource matches nothing.
  assert.equal(evalOne(d, 'iot:Publish', 'topic/dev/c1/t', {}).allowed, false);
});

test('PolicyEval_CertificateAndCognitoAndThingVariables_Resolve', () => {
  const ctx = {
    clientId: 'lamp-1',
    thingName: 'lamp-1',
    cognitoSub: 'us-east-1:abc',
    certificate: { subject: { CN: 'lamp-1', O: 'Acme', OU: ['a', 'b'] }, issuer: { CN: 'iotlite CA' } },
  };
  assert.ok(resourcePattern(`${ARN}:thing/\${iot:Connection.Thing.ThingName}`, ctx).test(`${ARN}:thing/lamp-1`));
  assert.ok(resourcePattern(`${ARN}:topic/\${iot:Certificate.Subject.CommonName}/x`, ctx).test(`${ARN}:topic/lamp-1/x`));
  assert.ok(resourcePattern(`${ARN}:topic/\${iot:Certificate.Subject.Organization}`, ctx).test(`${ARN}:topic/Acme`));
  assert.ok(resourcePattern(`${ARN}:topic/\${iot:Certificate.Issuer.CommonName}`, ctx).test(`${ARN}:topic/iotlite CA`));
  assert.ok(resourcePattern(`${ARN}:topic/\${cognito-identity.amazonaws.com:sub}`, ctx).test(`${ARN}:topic/us-east-1:abc`));
  assert.ok(resourcePattern(`${ARN}:topic/\${iot:Connection.Thing.IsAttached}`, ctx).test(`${ARN}:topic/true`));
  assert.ok(resourcePattern(`${ARN}:topic/a\${*}b`, ctx).test(`${ARN}:topic/a*b`));
  assert.equal(resourcePattern(`${ARN}:topic/a\${*}b`, ctx).test(`${ARN}:topic/axb`), false);
  // Multi-valued subject fields are not supported: no value.
  assert.equal(resourcePattern(`${ARN}:topic/\${iot:Certificate.Subject.OrganizationalUnit}`, ctx), null);
});

test('PolicyParse_BadDocuments_ErrorNamesTheRule', () => {
  assert.throws(() => parsePolicyDocument({ Version: '2012-10-17' }, 'x'), /policy 'x': Statement must be/);
  assert.throws(() => parsePolicyDocument(doc({ Effect: 'Permit', Action: 'iot:*', Resource: '*' }), 'x'), /statement 1: Effect must be/);
  assert.throws(() => parsePolicyDocument(doc({ Effect: 'Allow', Action: [], Resource: '*' }), 'x'), /Action must be/);
  assert.throws(() => parsePolicyDocument(doc({ ...allow('iot:*', '*'), Condition: {} }), 'x'), /'Condition' is not supported/);
  assert.throws(() => parsePolicyDocument(doc(allow('iot:*', `${ARN}:topic/\${aws:username}`)), 'x'), /policy variable '\$\{aws:username\}' is not supported/);
  assert.throws(() => parsePolicyDocument({ ...doc(allow('iot:*', '*')), Version: '2020-01-01' }, 'x'), /Version '2020-01-01'/);
  assert.throws(() => parsePolicyDocument('{', 'x'), /not JSON/);
});

test('PolicySet_UnknownPolicyName_Refused', () => {
  assert.throws(() => parsePolicySet({ certificates: { '*': ['missing'] } }), /names the policy 'missing'/);
  assert.throws(() => parsePolicySet({ certs: {} }), /unknown key 'certs'/);
});

function authority(set, opts = {}) {
  const lines = [];
  const a = new PolicyAuthority({ region: 'us-east-1', accountId: '123456789012', log: (l) => lines.push(l), ...opts });
  if (set !== undefined) a.load(set);
  return { a, lines };
}

test('PolicyAuthority_NothingLoaded_AllowsEverything', () => {
  const { a, lines } = authority();
  assert.equal(a.authorize({ kind: 'static', accessKeyId: 'K' }, 'iot:Connect', 'client/x').allowed, true);
  assert.equal(lines.length, 0);
});

test('PolicyAuthority_CertificateByCnElseStar_AndDenialLogged', () => {
  const { a, lines } = authority({
    policies: {
      own: doc(allow('iot:Publish', `${ARN}:topic/\${iot:Certificate.Subject.CommonName}/*`)),
      any: doc(allow('iot:Publish', `${ARN}:topic/public/*`)),
    },
    certificates: { lamp: ['own'], '*': ['any'] },
  });
  const cert = (CN) => ({ kind: 'certificate', certificate: { subject: { CN } } });
  assert.equal(a.authorize(cert('lamp'), 'iot:Publish', 'topic/lamp/x').allowed, true);
  assert.equal(a.authorize(cert('lamp'), 'iot:Publish', 'topic/public/x').allowed, false, 'the CN entry replaces the default');
  assert.equal(a.authorize(cert('other'), 'iot:Publish', 'topic/public/x').allowed, true);
  assert.equal(a.authorize(cert('other'), 'iot:Publish', 'topic/other/x', { label: 'mqtts#1' }).allowed, false);
  assert.match(lines.at(-1), /^mqtts#1: iot:Publish on arn:aws:iot:us-east-1:123456789012:topic\/other\/x denied for certificate CN=other: no statement allows it \(policies 'any'\)/);
});

test('PolicyAuthority_ThingNameVariable_CnEqualToClientIdOrACertificateAttachedToTheThing', () => {
  const { a } = authority({
    policies: { thing: doc(allow('iot:Connect', `${ARN}:client/\${iot:Connection.Thing.ThingName}`)) },
    certificates: { '*': ['thing'] },
  });
  const cert = (CN, certificateId) => ({ kind: 'certificate', certificate: { subject: { CN }, certificateId } });
  const connect = (identity, clientId) => a.authorize(identity, 'iot:Connect', `client/${clientId}`, { clientId }).allowed;
  assert.equal(connect(cert('lamp-1'), 'lamp-1'), true, 'a certificate of POST /admin/certs: CN = its thing');
  assert.equal(connect(cert('provisioned-ab12', 'ab12'), 'device-7'), false, 'attached to no thing: the variable has no value');
  // AWS: the client id names a thing the certificate is attached to (RegisterThing did it).
  a.isAttached = (id, thing) => id === 'ab12' && thing === 'device-7';
  assert.equal(connect(cert('provisioned-ab12', 'ab12'), 'device-7'), true);
  assert.equal(connect(cert('provisioned-ab12', 'ab12'), 'device-8'), false, 'another thing');
  assert.equal(connect(cert('provisioned-cd34', 'cd34'), 'device-7'), false, 'another certificate');
});

test('PolicyAuthority_CognitoUnauthenticated_OnlyTheRolePolicy', () => {
  const { a } = authority({
    policies: { guest: doc(allow('iot:Connect', `${ARN}:client/web-*`)) },
    cognito: { roles: { unauthenticated: { unauthenticated: ['guest'] } }, identities: { '*': [doc(allow('iot:*', '*'))] } },
  });
  const id = { kind: 'cognito', identityId: 'us-east-1:1', poolName: 'unauthenticated', poolId: 'p', authenticated: false };
  assert.equal(a.authorize(id, 'iot:Connect', 'client/web-1').allowed, true);
  assert.equal(a.authorize(id, 'iot:Connect', 'client/other').allowed, false, 'identity policies do not apply to guests');
});

test('PolicyAuthority_CognitoAuthenticated_RoleAndIdentityPolicyMustBothAllow', () => {
  const { a } = authority({
    cognito: {
      roles: { '*': { authenticated: [doc(allow('iot:*', '*'))] } },
      identities: { 'us-east-1:me': [doc(allow('iot:Publish', `${ARN}:topic/user/\${cognito-identity.amazonaws.com:sub}`))] },
    },
  });
  const me = { kind: 'cognito', identityId: 'us-east-1:me', poolName: 'authenticated', authenticated: true };
  const other = { ...me, identityId: 'us-east-1:other' };
  assert.equal(a.authorize(me, 'iot:Publish', 'topic/user/us-east-1:me').allowed, true);
  const v = a.authorize(other, 'iot:Publish', 'topic/user/us-east-1:other');
  assert.equal(v.allowed, false);
  assert.match(v.why, /attached to the Cognito identity/);
});

test('PolicyAuthority_CustomAuthorizer_UsesTheLambdaPolicyDocuments', () => {
  const { a } = authority({}, { customAuthorizers: [{ name: 'auth', policyDocuments: [doc(allow('iot:Connect', '*'))] }] });
  assert.equal(a.authorize({ kind: 'authorizer', name: 'auth' }, 'iot:Connect', 'client/x').allowed, true);
  assert.equal(a.authorize({ kind: 'authorizer', name: 'auth' }, 'iot:Publish', 'topic/x').allowed, false);
  assert.equal(a.authorize({ kind: 'authorizer', name: 'other' }, 'iot:Connect', 'client/x').allowed, false);
});

test('PolicyAuthority_InvalidSet_KeepsTheOldOne', () => {
  const { a } = authority({ staticCredentials: { '*': [doc(allow('iot:Connect', '*'))] } });
  assert.throws(() => a.load({ staticCredentials: { '*': [{ Statement: [] }] } }));
  assert.equal(a.authorize({ kind: 'static', accessKeyId: 'K' }, 'iot:Connect', 'client/x').allowed, true);
  a.load(null);
  assert.equal(a.loaded, false);
});

// The rule engine's hooks, with a recording `authorize` in place of the policy set.

const str = (s) => { const b = Buffer.from(s, 'utf8'); return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]); };
const connect = (clientId, level = 4) => encodePacket(0x10, Buffer.concat([
  str('MQTT'), Buffer.from([level, 0x02, 0x00, 60]), level === 5 ? Buffer.from([0]) : Buffer.alloc(0), str(clientId),
]));
const publish = (topic, { qos = 0, retain = false, id = 7, level = 4 } = {}) => encodePacket(0x30 | (qos << 1) | (retain ? 1 : 0), Buffer.concat([
  str(topic), qos ? Buffer.from([id >> 8, id & 0xff]) : Buffer.alloc(0), level === 5 ? Buffer.from([0]) : Buffer.alloc(0), Buffer.from('x'),
]));
const subscribe = (id, ...filters) => encodePacket(0x82, Buffer.concat([Buffer.from([id >> 8, id & 0xff]), ...filters.map((f) => Buffer.concat([str(f), Buffer.from([1])]))]));

/** An inspector whose authorize denies what `deny` matches (action + ' ' + resource) and records every call. */
function inspectorWith(deny) {
  const ins = new MqttInspector();
  ins.calls = [];
  ins.authorize = (action, resource) => {
    ins.calls.push(`${action} ${resource}`);
    return deny.test(`${action} ${resource}`) ? { allowed: false, why: 'test says no' } : { allowed: true, why: 'ok' };
  };
  return ins;
}

test('InspectorPolicy_ConnectDenied_ViolationNamesActionAndNothingForwarded', () => {
  const ins = inspectorWith(/^iot:Connect client\/bad$/);
  const out = ins.push(connect('bad'));
  assert.equal(out.packets.length, 0);
  assert.equal(out.violation, 'not authorized: iot:Connect on client/bad (test says no)');
  assert.equal(inspectorWith(/never/).push(connect('good')).violation, null);
});

test('InspectorPolicy_RetainedPublish_ChecksPublishThenRetainPublish', () => {
  const ins = inspectorWith(/RetainPublish/);
  ins.push(connect('c'));
  const plain = ins.push(publish('a/b', { qos: 1 }));
  assert.equal(plain.violation, null);
  assert.equal(plain.packets.length, 1);
  const kept = ins.push(publish('a/b', { qos: 1, retain: true }));
  assert.equal(kept.violation, 'not authorized: iot:RetainPublish on topic/a/b (test says no)');
  assert.deepEqual(ins.calls, ['iot:Connect client/c', 'iot:Publish topic/a/b', 'iot:Publish topic/a/b', 'iot:RetainPublish topic/a/b']);
});

test('InspectorPolicy_Mqtt5PublishDenied_Puback0x87OrDroppedAndConnectionStays', () => {
  const ins = inspectorWith(/iot:Publish topic\/no/);
  ins.push(connect('c', 5));
  const q1 = ins.push(publish('no', { qos: 1, id: 0x0102, level: 5 }));
  assert.equal(q1.violation, null);
  assert.equal(q1.packets.length, 0);
  assert.deepEqual([...q1.replies[0]], [0x40, 0x03, 0x01, 0x02, 0x87]);
  const q0 = ins.push(publish('no', { level: 5 }));
  assert.deepEqual([q0.violation, q0.packets.length, q0.replies.length], [null, 0, 0]);
});

test('InspectorPolicy_SubscribeOneFilterDenied_Suback0x80InItsPlace', () => {
  const ins = inspectorWith(/topicfilter\/secret/);
  ins.push(connect('c'));
  const out = ins.push(subscribe(9, 'open/#', 'secret/#', 'open/x'));
  assert.equal(out.violation, null);
  // The broker sees the SUBSCRIBE without the denied filter...
  assert.equal(out.packets.length, 1);
  assert.ok(!out.packets[0].includes(Buffer.from('secret')));
  assert.equal(ins.subscriptions.has('secret/#'), false, 'a denied filter does not count against the quota');
  // ...and its SUBACK gets 0x80 back in the denied filter's place.
  const down = new BrokerStream(ins);
  const { toClient } = down.push(encodePacket(0x90, Buffer.from([0, 9, 1, 1])));
  assert.deepEqual([...toClient[0]], [0x90, 0x05, 0, 9, 1, 0x80, 1]);
  // Every filter denied: the stand-in answers the SUBACK itself.
  const all = ins.push(subscribe(10, 'secret/a'));
  assert.deepEqual([all.packets.length, [...all.replies[0]]], [0, [0x90, 0x03, 0, 10, 0x80]]);
});

test('InspectorPolicy_ReceiveDenied_HeldBackAndQos1AcknowledgedToBroker', () => {
  const ins = inspectorWith(/iot:Receive topic\/hidden/);
  ins.push(connect('c'));
  ins.push(subscribe(1, '#'));
  const down = new BrokerStream(ins);
  const hidden = down.push(publish('hidden', { qos: 1, id: 0x0a0b }));
  assert.deepEqual([hidden.toClient.length, [...hidden.toBroker[0]]], [0, [0x40, 0x02, 0x0a, 0x0b]]);
  assert.equal(down.droppedUnauthorized, 1);
  const shown = down.push(publish('shown', { qos: 0 }));
  assert.equal(shown.toClient.length, 1);
});

const connectWithWill = (clientId, willTopic, { retain = false } = {}) => encodePacket(0x10, Buffer.concat([
  // flags: Will (0x04), Will QoS 1 (0x08), Will Retain (0x20) when asked, clean session (0x02)
  str('MQTT'), Buffer.from([4, 0x0e | (retain ? 0x20 : 0), 0x00, 60]), str(clientId), str(willTopic), str('gone'),
]));

test('InspectorPolicy_WillTopicDenied_ConnectRefusedNamingTheWill', () => {
  const ins = inspectorWith(/iot:Publish topic\/status\/secret/);
  const out = ins.push(connectWithWill('c', 'status/secret'));
  assert.equal(out.packets.length, 0);
  assert.equal(out.violation, 'Will refused at CONNECT: not authorized: iot:Publish on topic/status/secret (test says no)');
  const ok = inspectorWith(/iot:Publish topic\/status\/secret/);
  const allowed = ok.push(connectWithWill('c', 'status/c'));
  assert.deepEqual([allowed.violation, allowed.packets.length], [null, 1]);
  assert.deepEqual(ok.calls, ['iot:Connect client/c', 'iot:Publish topic/status/c']);
});

test('InspectorPolicy_RetainedWillWithoutRetainPublish_ConnectRefused', () => {
  const plain = inspectorWith(/RetainPublish/);
  assert.equal(plain.push(connectWithWill('c', 'status/c')).violation, null, 'a Will without RETAIN needs iot:Publish only');
  const retained = inspectorWith(/RetainPublish/);
  assert.equal(retained.push(connectWithWill('c', 'status/c', { retain: true })).violation,
    'Will refused at CONNECT: not authorized: iot:RetainPublish on topic/status/c (test says no)');
});

test('InspectorPolicy_NoPolicySet_WillAccepted', () => {
  const ins = new MqttInspector();
  assert.deepEqual([ins.push(connectWithWill('c', 'any/topic', { retain: true })).violation], [null]);
});

/** An MQTT 5 PUBLISH with a Topic Alias property (0x23); `topic` '' uses the alias. */
const publishAlias = (topic, alias, { qos = 1, id = 5 } = {}) => encodePacket(0x30 | (qos << 1), Buffer.concat([
  str(topic), qos ? Buffer.from([id >> 8, id & 0xff]) : Buffer.alloc(0), Buffer.from([3, 0x23, alias >> 8, alias & 0xff]), Buffer.from('x'),
]));

test('InspectorPolicy_Mqtt5TopicAlias_CheckedAgainstTheResolvedTopic', () => {
  const ins = inspectorWith(/iot:Publish topic\/(no|)$/);
  ins.push(connect('c', 5));
  const set = ins.push(publishAlias('ok/t', 1));
  assert.deepEqual([set.violation, set.packets.length], [null, 1]);
  const used = ins.push(publishAlias('', 1, { id: 6 }));
  assert.deepEqual([used.violation, used.packets.length, used.replies.length], [null, 1, 0], 'alias 1 is ok/t: allowed');
  assert.deepEqual(used.packets[0], publishAlias('', 1, { id: 6 }), 'the broker knows alias 1: forwarded unchanged');
  ins.push(publishAlias('no', 2, { id: 7 }));
  const denied = ins.push(publishAlias('', 2, { id: 8 }));
  assert.deepEqual([denied.packets.length, [...denied.replies[0]]], [0, [0x40, 0x03, 0, 8, 0x87]], 'alias 2 is no: denied');
  assert.deepEqual(ins.calls.slice(1), ['iot:Publish topic/ok/t', 'iot:Publish topic/ok/t', 'iot:Publish topic/no', 'iot:Publish topic/no']);
});

test('InspectorMqtt5TopicAlias_NeverSet_ProtocolErrorClosesTheConnection', () => {
  const ins = new MqttInspector();
  ins.push(connect('c', 5));
  assert.match(ins.push(publishAlias('', 4)).violation, /topic alias 4, which this connection never set \(MQTT 5.0 §3.3.2.3.4/);
});

test('InspectorMqtt5TopicAlias_ReservedTopicRulesUseTheResolvedTopic', () => {
  const ins = new MqttInspector();
  const lines = [];
  ins.onRefusal = (l) => lines.push(l);
  ins.push(connect('c', 5));
  // '$aws/things/T/shadow/update/accepted' is a response topic: clients may not publish there.
  ins.push(publishAlias('$aws/things/T/shadow/update/accepted', 3, { id: 1 }));
  const out = ins.push(publishAlias('', 3, { id: 2 }));
  assert.deepEqual([out.packets.length, [...out.replies[0]]], [0, [0x40, 0x04, 0, 2, 0x87, 0x00]]);
  assert.equal(lines.length, 2);
  assert.match(lines[1], /\$aws\/things\/T\/shadow\/update\/accepted/);
});

test('InspectorMqtt5TopicAlias_SetterDroppedHere_AliasOnlyPublishForwardedWithItsTopic', () => {
  // The PUBLISH that set alias 1 was refused (so the broker never learnt it); after the policy
  // changes, the alias-only PUBLISH goes to the broker with the topic name (re-setting the alias).
  let denyAll = true;
  const ins = new MqttInspector();
  ins.authorize = (action) => ({ allowed: action === 'iot:Connect' || !denyAll, why: 'test' });
  ins.push(connect('c', 5));
  assert.equal(ins.push(publishAlias('a/b', 1, { id: 1 })).packets.length, 0);
  denyAll = false;
  const out = ins.push(publishAlias('', 1, { id: 2 }));
  assert.deepEqual(out.packets, [publishAlias('a/b', 1, { id: 2 })]);
  assert.deepEqual(ins.push(publishAlias('', 1, { id: 3 })).packets, [publishAlias('', 1, { id: 3 })], 'from then on unchanged');
});

const subscribe5 = (id, ...filters) => encodePacket(0x82, Buffer.concat([
  Buffer.from([id >> 8, id & 0xff, 0]), ...filters.map((f) => Buffer.concat([str(f), Buffer.from([1])])),
]));

test('InspectorPolicy_Mqtt5SubscribeDenied_Suback0x87WhileMqtt311Gets0x80', () => {
  const ins = inspectorWith(/topicfilter\/secret/);
  ins.push(connect('c', 5));
  const out = ins.push(subscribe5(9, 'open/#', 'secret/#', '$aws/things/T/jobs/get'));
  assert.equal(out.packets.length, 1);
  // The broker grants the one filter it saw; the client gets 0x87 for the policy and the reserved-topic refusals.
  const down = new BrokerStream(ins);
  const { toClient } = down.push(encodePacket(0x90, Buffer.from([0, 9, 0, 1])));
  assert.deepEqual([...toClient[0]], [0x90, 0x06, 0, 9, 0, 1, 0x87, 0x87]);
  // Every filter refused: the stand-in's own SUBACK, 0x87 too.
  const all = ins.push(subscribe5(10, 'secret/a', '$aws/things/T/jobs/get'));
  assert.deepEqual([all.packets.length, [...all.replies[0]]], [0, [0x90, 0x05, 0, 10, 0, 0x87, 0x87]]);
});

test('InspectorMqtt5_SubscriptionQuotaRefusal_Stays0x80', () => {
  const ins = new MqttInspector({ subscriptionsPerConnection: 1 });
  ins.push(connect('c', 5));
  const out = ins.push(subscribe5(4, 'a', 'b'));
  const { toClient } = new BrokerStream(ins).push(encodePacket(0x90, Buffer.from([0, 4, 0, 1])));
  assert.equal(out.packets.length, 1);
  assert.deepEqual([...toClient[0]], [0x90, 0x05, 0, 4, 0, 1, 0x80]);
});
