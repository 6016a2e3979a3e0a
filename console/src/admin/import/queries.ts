// The Import screen's operations, typed from the contract by the code generator.
import { graphql } from '../../gql';

export const Start = graphql(`
  mutation StartImport($input: StartImportInput!) {
    startImport(input: $input) {
      importJob {
        id
      }
      userErrors {
        code
        message
      }
    }
  }
`);

export const Resume = graphql(`
  mutation ResumeImport($input: ResumeImportInput!) {
    resumeImport(input: $input) {
      importJob {
        id
      }
      userErrors {
        code
        message
      }
    }
  }
`);

export const Job = graphql(`
  query ImportJobView($id: ID!, $after: String) {
    importJob(id: $id) {
      id
      status
      dryRun
      fileName
      totalRows
      processedRows
      created
      skippedExisting
      failed
      error
      createdAt
      fileDeletedAt
      fileExpiresAt
      rowErrors(first: 50, after: $after) {
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            row
            field
            code
            message
          }
        }
      }
    }
  }
`);

export const Jobs = graphql(`
  query ImportJobsList {
    importJobs(first: 10) {
      id
      status
      dryRun
      fileName
      created
      skippedExisting
      failed
      createdAt
    }
  }
`);
