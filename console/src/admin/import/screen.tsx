// Import: the template to download, a spreadsheet to upload (a dry run first, by default), the
// job as it runs (./job.tsx), and the organization's recent imports.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { messageOf, request, upload } from '../../api';
import type { ImportJobsListQuery } from '../../gql/graphql';
import { Alert } from '../../ui';
import { when } from '../settings/common';
import { JobPanel } from './job';
import { Jobs, Resume, Start } from './queries';

type Listed = ImportJobsListQuery['importJobs'][number];

const STATUS: Record<Listed['status'], string> = {
  QUEUED: 'Waiting',
  RUNNING: 'Running',
  DONE: 'Finished',
  FAILED: 'Stopped',
};

export function ImportScreen() {
  const [file, setFile] = useState<File | null>(null);
  const [dryRun, setDryRun] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The job shown; `opened` tells a resumed job (same id) from the one shown before it, so
  // its panel starts following it again.
  const [current, setCurrent] = useState<{ id: string; file: File | null; opened: number } | null>(null);
  const show = (id: string, file: File | null) => setCurrent({ id, file, opened: Date.now() });
  const [jobs, setJobs] = useState<readonly Listed[]>([]);

  const refresh = useCallback(() => {
    request(Jobs)
      .then((data) => setJobs(data.importJobs))
      .catch((failure) => setError(messageOf(failure)));
  }, []);
  useEffect(() => {
    document.title = 'Import · Roster';
    refresh();
  }, [refresh]);

  async function start(chosen: File, dry: boolean) {
    setBusy(true);
    setError(null);
    try {
      const result = (await upload(Start, { input: { file: null, dryRun: dry } }, 'input.file', chosen)).startImport;
      if (result.importJob) {
        show(result.importJob.id, chosen);
        refresh();
      } else {
        setError(result.userErrors.map((problem) => problem.message).join(' '));
      }
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  async function resume(id: string) {
    setError(null);
    try {
      const result = (await request(Resume, { input: { id } })).resumeImport;
      if (result.importJob) show(result.importJob.id, null);
      else setError(result.userErrors.map((problem) => problem.message).join(' '));
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  function submit(event: Event) {
    event.preventDefault();
    if (!file) {
      setError('Choose a spreadsheet to upload.');
      return;
    }
    start(file, dryRun);
  }

  return (
    <main class="screen import">
      <h1>Import users</h1>
      <p>
        One row per person in Roster's template. An import creates new users only: a row whose email or username
        a user already has is left alone. A dry run reports what would happen and writes nothing.
      </p>
      <p>
        <a href="/import/template.xlsx" download>
          Download the template (.xlsx)
        </a>
      </p>
      <form class="settings-form" onSubmit={submit}>
        <label for="import-file">Spreadsheet (.xlsx or .csv)</label>
        <input
          id="import-file"
          type="file"
          accept=".xlsx,.csv"
          onChange={(event) => setFile(event.currentTarget.files?.[0] ?? null)}
        />
        <label class="check">
          <input type="checkbox" checked={dryRun} onChange={(event) => setDryRun(event.currentTarget.checked)} /> Dry
          run: report only, create no user
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Uploading…' : 'Upload'}
        </button>
      </form>
      <Alert message={error} />
      {current && (
        <JobPanel
          key={`${current.id}:${current.opened}`}
          id={current.id}
          file={current.file}
          onRunForReal={(chosen) => start(chosen, false)}
          onResume={resume}
          onFinished={refresh}
        />
      )}
      <h2>Recent imports</h2>
      {jobs.length === 0 ? (
        <p>No imports yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">File</th>
              <th scope="col">Kind</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">Left alone</th>
              <th scope="col">Errors</th>
              <th scope="col">
                <span class="visually-hidden">Open</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((job) => (
              <tr key={job.id}>
                <td>{when(job.createdAt)}</td>
                <td>{job.fileName}</td>
                <td>{job.dryRun ? 'Dry run' : 'Import'}</td>
                <td>{STATUS[job.status]}</td>
                <td>{job.created}</td>
                <td>{job.skippedExisting}</td>
                <td>{job.failed}</td>
                <td>
                  <button
                    type="button"
                    aria-label={`Open the ${job.dryRun ? 'dry run' : 'import'} of ${job.fileName}, ${when(job.createdAt)}`}
                    onClick={() => show(job.id, null)}
                  >
                    Open
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
