// One import job as it goes: progress while it runs, then its counts, its row errors (a page at
// a time), the errors workbook, and what comes next (the real run after a dry run, or resume).
import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf, request } from '../../api';
import type { ImportJobViewQuery } from '../../gql/graphql';
import { Alert } from '../../ui';
import { when } from '../settings/common';
import { Job } from './queries';

type ImportJob = NonNullable<ImportJobViewQuery['importJob']>;
type RowError = ImportJob['rowErrors']['edges'][number]['node'];

const POLL_MS = 1000;
const rowsOf = (job: ImportJob): RowError[] => job.rowErrors.edges.map((edge) => edge.node);
const nextOf = (job: ImportJob): string | null =>
  job.rowErrors.pageInfo.hasNextPage ? (job.rowErrors.pageInfo.endCursor ?? null) : null;
const running = (job: ImportJob) => job.status === 'QUEUED' || job.status === 'RUNNING';

function statusLine(job: ImportJob): string {
  const kind = job.dryRun ? 'Dry run' : 'Import';
  switch (job.status) {
    case 'QUEUED':
      return `${kind} waiting to start.`;
    case 'RUNNING':
      return `${kind} running: ${job.processedRows} of ${job.totalRows} rows read.`;
    case 'DONE':
      return `${kind} finished: ${job.processedRows} rows read.`;
    default:
      return `${kind} stopped: ${job.error ?? 'an unexpected failure'}.`;
  }
}

export function JobPanel(props: {
  id: string;
  /** The file of this job, while the page still has it (a dry run's "Import for real"). */
  file: File | null;
  onRunForReal: (file: File) => void;
  onResume: (id: string) => void;
  onFinished: () => void;
}) {
  const [job, setJob] = useState<ImportJob | null>(null);
  const [errors, setErrors] = useState<RowError[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  // The parent's refresh of its list, current at each poll; the job's id alone restarts polling.
  const finished = useRef(props.onFinished);
  finished.current = props.onFinished;

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const found = (await request(Job, { id: props.id, after: null })).importJob;
        if (!live) return;
        if (!found) {
          setFailure('There is no such import.');
          return;
        }
        setJob(found);
        setErrors(rowsOf(found));
        setNext(nextOf(found));
        if (running(found)) timer = setTimeout(poll, POLL_MS);
        else finished.current();
      } catch (error) {
        if (live) setFailure(messageOf(error));
      }
    };
    poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [props.id]);

  async function more() {
    if (!next) return;
    try {
      const found = (await request(Job, { id: props.id, after: next })).importJob;
      if (!found) return;
      setErrors((shown) => [...shown, ...rowsOf(found)]);
      setNext(nextOf(found));
    } catch (error) {
      setFailure(messageOf(error));
    }
  }

  if (failure) return <Alert message={failure} />;
  if (!job) return <p class="loading">Loading the import…</p>;
  const done = job.status === 'DONE';
  const resumable = job.status === 'FAILED' && !job.fileDeletedAt;
  return (
    <section class="import-job" aria-labelledby="import-job-title">
      <h2 id="import-job-title">
        {job.dryRun ? 'Dry run' : 'Import'} of {job.fileName}
      </h2>
      <p class="hint">Started {when(job.createdAt)}</p>
      <p role="status">{statusLine(job)}</p>
      {running(job) && <progress max={Math.max(job.totalRows, 1)} value={job.processedRows} aria-label="Rows read" />}
      <dl class="import-counts">
        <dt>{job.dryRun ? 'Would be created' : 'Created'}</dt>
        <dd>{job.created}</dd>
        <dt>Already users (left untouched)</dt>
        <dd>{job.skippedExisting}</dd>
        <dt>Rows with errors</dt>
        <dd>{job.failed}</dd>
      </dl>
      {job.status === 'FAILED' && job.fileExpiresAt && !job.fileDeletedAt && (
        <p class="hint">The file is kept until {when(job.fileExpiresAt)}: resume before then.</p>
      )}
      <div class="actions">
        {done && job.dryRun && props.file && (
          <button type="button" onClick={() => props.file && props.onRunForReal(props.file)}>
            Import for real
          </button>
        )}
        {resumable && (
          <button type="button" onClick={() => props.onResume(job.id)}>
            Resume
          </button>
        )}
        {done && job.failed > 0 && (
          <a href={`/import/${job.id}/errors.xlsx`} download>
            Download the errors workbook
          </a>
        )}
      </div>
      {errors.length > 0 && (
        <>
          <h3>Row errors</h3>
          <table>
            <thead>
              <tr>
                <th scope="col">Row</th>
                <th scope="col">Column</th>
                <th scope="col">Code</th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              {errors.map((error) => (
                <tr key={`${error.row}:${error.field ?? ''}:${error.code}`}>
                  <td>{error.row}</td>
                  <td>{error.field ?? '—'}</td>
                  <td>
                    <code>{error.code}</code>
                  </td>
                  <td>{error.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {next && (
            <button type="button" onClick={more}>
              More errors
            </button>
          )}
        </>
      )}
    </section>
  );
}
