import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration, parseHostPort } from '../src/cli/options.js';
import { statusCode } from '../src/delivery/ndr.js';
import { describeDuration, RetryPolicy } from '../src/delivery/retry-policy.js';

describe('retry policy', () => {
  const created = new Date(1_000_000);
  const policy = new RetryPolicy({ initialMs: 1000, maxIntervalMs: 8000, retryForMs: 60_000 });

  it('doubles the delay after each temporary failure, up to the cap', () => {
    const t = created.getTime();
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => policy.nextAttempt(created, n, t) - t),
      [1000, 2000, 4000, 8000, 8000, 8000],
    );
  });

  it('makes the last attempt at the deadline, then gives up', () => {
    const deadline = created.getTime() + 60_000;
    assert.equal(policy.nextAttempt(created, 5, deadline - 3000), deadline);
    assert.equal(policy.expired(created, deadline - 1), false);
    assert.equal(policy.expired(created, deadline), true);
  });
});

describe('delivery option parsing', () => {
  it('reads durations', () => {
    assert.equal(parseDuration('2d'), 2 * 86_400_000);
    assert.equal(parseDuration('90m'), 90 * 60_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('30'), 30_000);
    assert.throws(() => parseDuration('soon'), /invalid duration/);
    assert.equal(describeDuration(2 * 86_400_000), '2 days');
    assert.equal(describeDuration(1500), '1500 ms');
  });

  it('reads host:port, with IPv6 and the SMTP default port', () => {
    assert.deepEqual(parseHostPort('smtp.example.com:587'), { host: 'smtp.example.com', port: 587 });
    assert.deepEqual(parseHostPort('[::1]:2526'), { host: '::1', port: 2526 });
    assert.deepEqual(parseHostPort('relay.example.com'), { host: 'relay.example.com', port: 25 });
    assert.throws(() => parseHostPort('a:b:c'), /invalid host:port/);
    assert.throws(() => parseHostPort('relay:0'), /invalid port/);
  });

  it('takes the enhanced status code from a reply, else its class', () => {
    assert.equal(statusCode('550 5.1.1 <x@y>: no such user'), '5.1.1');
    assert.equal(statusCode('554 transaction failed'), '5.0.0');
    assert.equal(statusCode('4.4.7 no delivery within 2 days; last error: connect ECONNREFUSED'), '4.4.7');
  });
});
