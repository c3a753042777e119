// One parser for the account page, the approver and the server's mail: it imports nothing.
export { describeAgent } from '../../server/user-agent.js';
