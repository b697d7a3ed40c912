#!/usr/bin/env node
// A STAND-IN for the helm 3 CLI (helm cannot be installed on the test machines): implements `version --short`
// and `template` for test/helm/hello-chart only, printing the manifests real helm renders from it, and records its
// argv, its environment and what it was given in calls.jsonl beside itself. `mode` beside it: v2 | slow | huge.
const fs = require('node:fs');
const path = require('node:path');
const here = __dirname;
const mode = fs.existsSync(path.join(here, 'mode')) ? fs.readFileSync(path.join(here, 'mode'), 'utf8').trim() : '';
const args = process.argv.slice(2);
const record = (extra) =>
  fs.appendFileSync(
    path.join(here, 'calls.jsonl'),
    JSON.stringify({ args, home: process.env.HOME, env: Object.keys(process.env), ...extra }) + '\n',
  );
if (args[0] === 'version') {
  record({});
  process.stdout.write(mode === 'v2' ? 'Client: v2.17.0+ga690bad\n' : 'v3.16.4+gfake\n');
  process.exit(0);
}
if (args[0] !== 'template') {
  process.stderr.write(`Error: unknown command "${args[0]}" for "helm"\n`);
  process.exit(1);
}
const [, release, chart] = args;
const flag = (name) => args[args.indexOf(name) + 1];
const namespace = flag('--namespace');
const values = JSON.parse(fs.readFileSync(flag('--values'), 'utf8'));
const stat = fs.existsSync(chart) ? fs.statSync(chart) : undefined;
const chartFiles = stat?.isDirectory() ? fs.readdirSync(chart, { recursive: true }).sort() : undefined;
const chartBytes = stat?.isFile() ? fs.readFileSync(chart).toString('base64') : undefined;
record({ values, chartFiles, chartBytes, valuesMode: (fs.statSync(flag('--values')).mode & 0o777).toString(8) });
if (mode === 'slow') setTimeout(() => {}, 60_000);
else if (mode === 'huge') process.stdout.write('#'.repeat(4 * 1024 * 1024));
else if (!stat && !chart.startsWith('oci://')) {
  process.stderr.write(`Error: path "${chart}" not found\n`);
  process.exit(1);
} else {
  const v = { message: 'Hello', replicas: 1, ...values };
  process.stdout.write(`---
# Source: hello/templates/hello.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: ${release}-page
  namespace: ${namespace}
data:
  index.html: "<h1>${v.message}</h1>"
---
# Source: hello/templates/hello.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${release}-hello
  namespace: ${namespace}
spec:
  replicas: ${v.replicas}
  selector:
    matchLabels: { app: ${release}-hello }
  template:
    metadata:
      labels: { app: ${release}-hello }
    spec:
      containers:
        - name: web
          image: docker.io/library/nginx:1.27-alpine
`);
}
