export * from './report-job';
