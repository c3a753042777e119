/* The approver API's JSON, for the routes and the approver app: kept in ../approver-protocol.ts, which the factor shares. */
export * from '../approver-protocol.js';
