import { useEffect, useState } from 'preact/hooks';

/** How long typing must pause before a search runs. */
export const SEARCH_DELAY_MS = 250;

/** `value` once it has stayed the same for `delay` ms (search as you type). */
export function useDebounced(value: string, delay = SEARCH_DELAY_MS): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return settled;
}
