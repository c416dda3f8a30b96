'use strict';
/**
 * The body of every stand-in executable on the emulated management instance: it hands its arguments,
 * environment, stdin, what was typed at its password prompts, the instance's CA certificate and its parent's
 * command line to the emulator (POST /_emulator/cli), then prints what the emulator answers and exits with
 * its exit code. Plain CommonJS without dependencies: it starts once per tool invocation, so it has to be quick.
 */
const fs = require('fs');
const http = require('http');
const path = require('path');
const tty = require('tty');

function readStdin() {
    // Recorded for the tests only (the CloudHSM CLI reads passwords from its terminal). A terminal is not read.
    if (tty.isatty(0)) return Promise.resolve('');
    return new Promise((resolve) => {
        const chunks = [];
        process.stdin.on('data', (chunk) => chunks.push(chunk));
        process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        process.stdin.on('error', () => resolve(''));
    });
}

function readFileOrNull(file) {
    try {
        return fs.readFileSync(file, 'utf8');
    } catch {
        return null;
    }
}

function readCaCertificate() {
    return readFileOrNull(path.join(process.env.CLOUDHSM_HOME || '/opt/cloudhsm', 'etc', 'customerCA.crt'));
}

/** The files named by `fileOptions` in argv (`--hsm-ca-cert <path>`), by option, for tools that read them. */
function readOptionFiles(argv, fileOptions) {
    const files = {};
    for (const option of fileOptions) {
        const at = argv.indexOf(option);
        const inline = argv.find((arg) => arg.startsWith(`${option}=`));
        const file = inline ? inline.slice(option.length + 1) : at >= 0 ? argv[at + 1] : undefined;
        if (file !== undefined) files[option] = readFileOrNull(path.resolve(file));
    }
    return files;
}

/** What `ps` shows for the process that started this tool: the tests check that no secret is in it. */
function parentArgv() {
    const text = readFileOrNull(`/proc/${process.ppid}/cmdline`);
    return text === null ? [] : text.split('\0').filter((arg, i, all) => arg !== '' || i < all.length - 1);
}

/** `No such device or address (os error 6)`: how a Rust program reports a failed system call. */
function osError(err) {
    const text = /^[A-Z]+: ([^,]+)/.exec(err && err.message ? err.message : '');
    const reason = text ? text[1].charAt(0).toUpperCase() + text[1].slice(1) : String(err && err.code);
    return `${reason} (os error ${Math.abs(err && err.errno ? err.errno : 0)})`;
}

/**
 * Asks each prompt on the controlling terminal and reads one line per prompt with echo off, as a password
 * prompt does: the terminal is /dev/tty, never stdin, so a script without a terminal (SSM's, or a pipe under
 * setsid) fails to open it. Before each prompt, input that is already waiting is thrown away (the prompt sets
 * the terminal mode with TCSAFLUSH), and the rest of a chunk after the answer's line end is dropped: a
 * driver must wait for each prompt before it types.
 */
function askOnTerminal(prompts) {
    let fd;
    try {
        fd = fs.openSync('/dev/tty', fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
    } catch (err) {
        return Promise.resolve({ error: osError(err) });
    }
    const discardWaitingInput = () => {
        const buffer = Buffer.alloc(4096);
        try {
            while (fs.readSync(fd, buffer, 0, buffer.length, null) > 0);
        } catch {
            // EAGAIN: nothing (more) is waiting.
        }
    };
    const terminal = new tty.ReadStream(fd);
    terminal.setRawMode(true);
    discardWaitingInput();
    return new Promise((resolve) => {
        const typed = [];
        let line = '';
        const finish = (result) => {
            terminal.setRawMode(false);
            terminal.destroy();
            resolve(result);
        };
        terminal.on('error', (err) => finish({ error: osError(err) }));
        terminal.on('end', () => finish({ error: 'Failed to read the password: end of input' }));
        terminal.on('data', (chunk) => {
            const text = line + chunk.toString('utf8');
            const end = text.search(/[\r\n]/);
            if (end < 0) {
                line = text;
                return;
            }
            typed.push(text.slice(0, end));
            line = '';
            // Raw mode has no output processing: the line end the user typed is echoed as CR LF.
            fs.writeSync(fd, '\r\n');
            if (typed.length === prompts.length) return finish({ typed });
            discardWaitingInput();
            fs.writeSync(fd, prompts[typed.length]);
        });
        fs.writeSync(fd, prompts[0]);
    });
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

/**
 * `options.passwordPrompts(argv)`: the prompts the tool shows on its terminal before it works (none when it
 * takes the password from argv); `options.fileOptions`: options that name a file the tool reads.
 */
async function forward(tool, options = {}) {
    const emulatorUrl = process.env.EMULATOR_URL;
    if (!emulatorUrl) {
        process.stderr.write(`${tool}: EMULATOR_URL is not set; this stand-in only runs on the emulated instance\n`);
        process.exitCode = 1;
        return;
    }
    const argv = process.argv.slice(2);
    const prompts = options.passwordPrompts ? options.passwordPrompts(argv) : [];
    const request = {
        tool,
        argv,
        env: { ...process.env },
        stdin: await readStdin(),
        cwd: process.cwd(),
        caCertificatePem: readCaCertificate(),
        optionFiles: readOptionFiles(argv, options.fileOptions || []),
        terminal: prompts.length > 0 ? await askOnTerminal(prompts) : undefined,
        parentArgv: parentArgv(),
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
