'use strict';
/**
 * The body of every stand-in executable on the emulated management instance: it hands its arguments,
 * environment, stdin and the instance's CA certificate to the emulator (POST /_emulator/cli), then prints
 * what the emulator answers and exits with its exit code. Plain CommonJS without dependencies: it starts
 * once per tool invocation, so it has to be quick.
 */
const fs = require('fs');
const http = require('http');
const path = require('path');

function readStdin() {
    // Passwords arrive on stdin; a terminal would mean an interactive prompt, which scripts never get.
    if (process.stdin.isTTY) return Promise.resolve('');
    return new Promise((resolve) => {
        const chunks = [];
        process.stdin.on('data', (chunk) => chunks.push(chunk));
        process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        process.stdin.on('error', () => resolve(''));
    });
}

function readCaCertificate() {
    const home = process.env.CLOUDHSM_HOME || '/opt/cloudhsm';
    try {
        return fs.readFileSync(path.join(home, 'etc', 'customerCA.crt'), 'utf8');
    } catch {
        return null;
    }
}

function post(url, body) {
    return new Promise((resolve, reject) => {
        const request = http.request(
            url,
            { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
            (response) => {
                const chunks = [];
                response.on('data', (chunk) => chunks.push(chunk));
                response.on('end', () => resolve({ status: response.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
                response.on('error', reject);
            },
        );
        request.on('error', reject);
        request.end(body);
    });
}

async function forward(tool) {
    const emulatorUrl = process.env.EMULATOR_URL;
    if (!emulatorUrl) {
        process.stderr.write(`${tool}: EMULATOR_URL is not set; this stand-in only runs on the emulated instance\n`);
        process.exitCode = 1;
        return;
    }
    const request = {
        tool,
        argv: process.argv.slice(2),
        env: { ...process.env },
        stdin: await readStdin(),
        cwd: process.cwd(),
        caCertificatePem: readCaCertificate(),
    };
    let answer;
    try {
        const response = await post(`${emulatorUrl}/_emulator/cli`, JSON.stringify(request));
        if (response.status !== 200) throw new Error(`the emulator answered HTTP ${response.status}: ${response.text}`);
        answer = JSON.parse(response.text);
    } catch (err) {
        process.stderr.write(`${tool}: ${err && err.message ? err.message : err}\n`);
        process.exitCode = 1;
        return;
    }
    if (answer.stdout) process.stdout.write(answer.stdout);
    if (answer.stderr) process.stderr.write(answer.stderr);
    process.exitCode = typeof answer.exitCode === 'number' ? answer.exitCode : 1;
}

module.exports = { forward };
