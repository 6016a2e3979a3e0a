// What the create and edit forms share: the organization's catalogs (departments, job
// profiles, permission types), shown as ../form's CatalogSelect.
import { useEffect, useState } from 'preact/hooks';
import { messageOf, request } from '../api';
import { graphql } from '../gql';
import type { UserCatalogsQuery } from '../gql/graphql';

const Catalogs = graphql(`
  query UserCatalogs {
    organization {
      departments {
        id
        name
        retired
      }
      jobProfiles {
        id
        name
        retired
      }
      permissionTypes {
        id
        name
        retired
      }
    }
  }
`);

export type CatalogLists = UserCatalogsQuery['organization'];
export const CATALOGS = [
  { key: 'departmentId', label: 'Department', list: 'departments' },
  { key: 'jobProfileId', label: 'Job profile', list: 'jobProfiles' },
  { key: 'permissionTypeId', label: 'Permission type', list: 'permissionTypes' },
] as const;
export type CatalogKey = (typeof CATALOGS)[number]['key'];

/** The catalogs, fetched once per form; an error goes to onError. */
export function useCatalogs(onError: (message: string) => void): CatalogLists | null {
  const [lists, setLists] = useState<CatalogLists | null>(null);
  useEffect(() => {
    request(Catalogs)
      .then((data) => setLists(data.organization))
      .catch((failure) => onError(messageOf(failure)));
  }, []);
  return lists;
}

export { CatalogSelect, sortErrors, TextField } from '../form';
