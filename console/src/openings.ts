import { useRef, useState } from 'preact/hooks';

/** What a dialog is open for, and which opening of the dialog this is. */
export interface Opened<T> {
  readonly value: T;
  readonly opening: number;
}

/**
 * The subject of a dialog that is mounted while open. A closed dialog's close event can
 * arrive after a click has opened the next one (Escape then Enter at once): `close` with
 * an earlier opening does nothing, so that it cannot close the dialog that replaced it.
 * Give the dialog `key={opened.opening}` so that each opening mounts anew.
 */
export function useOpenings<T>(): {
  opened: Opened<T> | null;
  open: (value: T) => void;
  close: (opening: number) => boolean;
} {
  const [opened, setOpened] = useState<Opened<T> | null>(null);
  const openings = useRef(0);
  return {
    opened,
    open: (value) => {
      openings.current += 1;
      setOpened({ value, opening: openings.current });
    },
    close: (opening) => {
      if (opening !== openings.current) return false;
      setOpened(null);
      return true;
    },
  };
}
