import { describe, expect, it, vi } from 'vitest';
import { finishWithin } from '../../src/compliance/budget';

/** The webhooks answer within the sender's patience and let slow work finish in the background. */
describe('finishWithin', () => {
  const deferred = <T>() => {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
    return { promise, resolve, reject };
  };

  it('returns the result when the work ends in time', async () => {
    const keepAlive = vi.fn();
    await expect(finishWithin(Promise.resolve('erased'), 1000, keepAlive, vi.fn())).resolves.toEqual({
      ok: true,
      value: 'erased',
    });
    expect(keepAlive).not.toHaveBeenCalled();
  });

  it('rethrows a failure that happens in time (so the webhook answers 500 and is retried)', async () => {
    await expect(finishWithin(Promise.reject(new Error('db down')), 1000, vi.fn(), vi.fn())).rejects.toThrow('db down');
  });

  it('answers when the budget runs out and hands the still-running work to keepAlive', async () => {
    const work = deferred<string>();
    const keepAlive = vi.fn();
    const result = await finishWithin(work.promise, 5, keepAlive, vi.fn());
    expect(result).toEqual({ ok: false, reason: 'still_running' });
    expect(keepAlive).toHaveBeenCalledTimes(1);
    work.resolve('erased');
    await expect(keepAlive.mock.calls[0]![0]).resolves.toBe('erased');
  });

  it('reports a failure that happens after the answer, without an unhandled rejection', async () => {
    const work = deferred<string>();
    const onLateError = vi.fn();
    const keepAlive = vi.fn();
    await finishWithin(work.promise, 5, keepAlive, onLateError);
    work.reject(new Error('late'));
    await keepAlive.mock.calls[0]![0];
    expect(onLateError).toHaveBeenCalledWith(expect.objectContaining({ message: 'late' }));
  });
});
