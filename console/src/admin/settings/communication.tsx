// Communication settings: invite on creation, and the channels activation messages take.
import { useEffect, useState } from 'preact/hooks';
import { messageOf, request } from '../../api';
import { graphql } from '../../gql';
import type { CommunicationSettingsReadQuery } from '../../gql/graphql';
import { Alert } from '../../ui';
import { Checkbox, SettingsScreen } from './parts';

const Read = graphql(`
  query CommunicationSettingsRead {
    organization {
      communicationSettings {
        sendOnCreate
        email
        sms
      }
    }
  }
`);
const Update = graphql(`
  mutation CommunicationSettingsUpdate($input: CommunicationSettingsInput!) {
    updateCommunicationSettings(input: $input) {
      communicationSettings {
        sendOnCreate
        email
        sms
      }
      userErrors {
        message
      }
    }
  }
`);

type Values = CommunicationSettingsReadQuery['organization']['communicationSettings'];

export function CommunicationSettingsScreen() {
  const [values, setValues] = useState<Values | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    request(Read)
      .then((data) => setValues(data.organization.communicationSettings))
      .catch((failure) => setError(messageOf(failure)));
  }, []);

  async function save(event: Event) {
    event.preventDefault();
    if (!values) return;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const { communicationSettings, userErrors } = (await request(Update, { input: values })).updateCommunicationSettings;
      if (communicationSettings) {
        setValues(communicationSettings);
        setNotice('Communication settings saved.');
      } else setError(userErrors.map((failure) => failure.message).join(' '));
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <SettingsScreen title="Communication" lead="How Roster reaches people with their activation messages, and when.">
      <Alert message={error} />
      <Alert message={notice} tone="info" />
      {values && (
        <form onSubmit={save} class="panel">
          <Checkbox
            id="send-on-create"
            label="Invite new users when they are created"
            hint="An admin creating a user may still say not to."
            checked={values.sendOnCreate}
            onChange={(sendOnCreate) => setValues({ ...values, sendOnCreate })}
          />
          <fieldset>
            <legend>Send activation messages by</legend>
            <Checkbox id="by-email" label="Email" checked={values.email} onChange={(email) => setValues({ ...values, email })} />
            <Checkbox
              id="by-sms"
              label="SMS"
              hint="With email on too, a person with both an email and a phone gets both."
              checked={values.sms}
              onChange={(sms) => setValues({ ...values, sms })}
            />
          </fieldset>
          <div class="actions">
            <button type="submit" class="primary" disabled={busy}>
              Save
            </button>
          </div>
        </form>
      )}
    </SettingsScreen>
  );
}
