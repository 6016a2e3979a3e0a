// Sign-up settings: on/off, how people sign up, their defaults, the allowed email domains;
// and the department sign-up links, each with its QR code (made by Roster), copy and revoke.
import { useEffect, useState } from 'preact/hooks';
import { messageOf, request } from '../../api';
import { graphql } from '../../gql';
import type { SignupSettingsReadQuery } from '../../gql/graphql';
import { Alert } from '../../ui';
import { CATALOGS, type CatalogKey, CatalogSelect, sortErrors, TextField, useCatalogs } from '../user-fields';
import { Checkbox, listOf, SettingsScreen, textOf } from './parts';
import { SignupLinks } from './signup-links';

const Read = graphql(`
  query SignupSettingsRead {
    organization {
      signupSettings {
        enabled
        pickDepartment
        emailDomains
        usernameWithPhone
        defaultDepartment {
          id
        }
        defaultJobProfile {
          id
        }
        defaultPermissionType {
          id
        }
      }
    }
  }
`);
const Update = graphql(`
  mutation SignupSettingsUpdate($input: SignupSettingsInput!) {
    updateSignupSettings(input: $input) {
      signupSettings {
        enabled
        emailDomains
      }
      userErrors {
        field
        message
      }
    }
  }
`);

type Loaded = SignupSettingsReadQuery['organization']['signupSettings'];
type Values = Omit<Loaded, 'defaultDepartment' | 'defaultJobProfile' | 'defaultPermissionType' | 'emailDomains'> &
  Record<CatalogKey, string> & { emailDomains: string };
const KEYS = ['emailDomains', 'defaultDepartmentId', 'defaultJobProfileId', 'defaultPermissionTypeId'] as const;

function valuesOf(loaded: Loaded): Values {
  return {
    enabled: loaded.enabled,
    pickDepartment: loaded.pickDepartment,
    usernameWithPhone: loaded.usernameWithPhone,
    emailDomains: textOf(loaded.emailDomains),
    departmentId: loaded.defaultDepartment?.id ?? '',
    jobProfileId: loaded.defaultJobProfile?.id ?? '',
    permissionTypeId: loaded.defaultPermissionType?.id ?? '',
  };
}

export function SignupSettingsScreen() {
  const [values, setValues] = useState<Values | null>(null);
  const [errors, setErrors] = useState<Partial<Record<(typeof KEYS)[number], string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const catalogs = useCatalogs(setError);

  useEffect(() => {
    request(Read)
      .then((data) => setValues(valuesOf(data.organization.signupSettings)))
      .catch((failure) => setError(messageOf(failure)));
  }, []);

  async function save(event: Event) {
    event.preventDefault();
    if (!values) return;
    setBusy(true);
    setError(null);
    setErrors({});
    setNotice(null);
    try {
      const input = {
        enabled: values.enabled,
        pickDepartment: values.pickDepartment,
        usernameWithPhone: values.usernameWithPhone,
        emailDomains: listOf(values.emailDomains),
        defaultDepartmentId: values.departmentId || null,
        defaultJobProfileId: values.jobProfileId || null,
        defaultPermissionTypeId: values.permissionTypeId || null,
      };
      const { signupSettings, userErrors } = (await request(Update, { input })).updateSignupSettings;
      if (signupSettings) {
        setValues({ ...values, emailDomains: textOf(signupSettings.emailDomains) });
        setNotice(values.enabled ? 'Sign-up settings saved. Sign-up is on.' : 'Sign-up settings saved. Sign-up is off.');
        return;
      }
      const sorted = sortErrors(userErrors, KEYS);
      setErrors(sorted.atFields);
      setError(sorted.rest);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <SettingsScreen title="Sign-up" lead="Whether people may create their own account on your sign-up page, and what they get.">
      <Alert message={error} />
      <Alert message={notice} tone="info" />
      {values && (
        <form onSubmit={save} class="panel">
          <Checkbox id="signup-enabled" label="People may sign themselves up" checked={values.enabled} onChange={(enabled) => setValues({ ...values, enabled })} />
          <Checkbox
            id="signup-pick"
            label="People pick their department"
            hint="Otherwise they get the default below, or the department of the link they followed."
            checked={values.pickDepartment}
            onChange={(pickDepartment) => setValues({ ...values, pickDepartment })}
          />
          <Checkbox
            id="signup-phone"
            label="A username and mobile number may replace an email"
            hint="The sign-up is then confirmed by text message."
            checked={values.usernameWithPhone}
            onChange={(usernameWithPhone) => setValues({ ...values, usernameWithPhone })}
          />
          <TextField
            id="signup-domains"
            label="Allowed email domains"
            value={values.emailDomains}
            error={errors.emailDomains}
            onChange={(emailDomains) => setValues({ ...values, emailDomains })}
          />
          <p class="hint field-note">Separate them with commas; empty: any domain.</p>
          <fieldset>
            <legend>Defaults for people who sign up</legend>
            {CATALOGS.map(({ key, label, list }) => (
              <CatalogSelect
                key={key}
                id={`signup-${key}`}
                label={`Default ${label.toLowerCase()}`}
                value={values[key]}
                error={errors[`default${key[0]?.toUpperCase()}${key.slice(1)}` as (typeof KEYS)[number]]}
                entries={catalogs?.[list] ?? []}
                onChange={(value) => setValues({ ...values, [key]: value })}
              />
            ))}
          </fieldset>
          <div class="actions">
            <button type="submit" class="primary" disabled={busy}>
              Save
            </button>
          </div>
        </form>
      )}
      <SignupLinks departments={catalogs?.departments ?? []} />
    </SettingsScreen>
  );
}
