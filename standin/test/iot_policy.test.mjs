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
