// Process entry point: the only module that touches process.env and process.exit.
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2), { env: process.env });
process.exitCode = code;
