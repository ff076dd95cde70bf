// service-b sets V8's heap growing factor at start-up unless the command line already does.
import { tuneHeap } from '../../src/heap-tuning';

describe('heap tuning at start-up', () => {
  it('when no growing factor was given, then service-b sets its own', () => {
    expect(tuneHeap([], '')).toBe(true);
    expect(tuneHeap(['--enable-source-maps'], '--max-old-space-size=512')).toBe(true);
  });

  it('when a growing factor was given on the command line or in NODE_OPTIONS, then it is kept', () => {
    expect(tuneHeap(['--heap-growing-percent=10'], '')).toBe(false);
    expect(tuneHeap([], '--enable-source-maps --heap_growing_percent=200')).toBe(false);
  });
});
