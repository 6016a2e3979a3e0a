// Shared by the settings screens: load-and-reload of one query, and the screen frame.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { messageOf } from '../../api';

/** The data of `load`, reloaded by calling `reload`; failures go to `onError`. */
export function useLoaded<T>(load: () => Promise<T>, onError: (message: string) => void): [T | undefined, () => void] {
  const [data, setData] = useState<T | undefined>(undefined);
  const reload = useCallback(() => {
    load()
      .then(setData)
      .catch((failure) => onError(messageOf(failure)));
  }, [load, onError]);
  useEffect(reload, [reload]);
  return [data, reload];
}

export function SettingsScreen({ title, children }: { title: string; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Roster`;
  }, [title]);
  return (
    <main class="screen settings">
      <p>
        <a href="/admin/settings">Settings</a>
      </p>
      <h1>{title}</h1>
      {children}
    </main>
  );
}

/** When, in the reader's own locale and time zone. */
export function when(iso: string): string {
  return new Date(iso).toLocaleString();
}
