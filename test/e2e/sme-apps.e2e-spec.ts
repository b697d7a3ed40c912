import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DESCRIPTORS, emulatorId, onboardFolder, settledOp } from '../utils/lcm';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

type Obj = Record<string, unknown>;
type Step = { key: string; kind: string; state: string; skipped?: string; result?: { exitCode: number; stdout: string } };

/**
 * The SME applications (descriptors/registry_*, object_detection_*, code_grader_*, crypto_service_*, sme_edge_nst) on
 * the emulator: onboarded as osm's client does, instantiated with no parameters, day-1 run or SKIPPED with its reason,
 * each day-2 primitive run for real (the grader) or refused with 422 naming the VIM types it needs, terminated.
 */
describe('SME applications on the emulator', () => {
  let t: TestApp;
  let admin: string;
  let vim: string;

  useTestApp(async (app, token) => {
    t = app;
    admin = token;
    vim = await emulatorId(t, admin);
    for (const p of ['registry', 'object_detection', 'code_grader', 'crypto_service']) {
      await onboardFolder(t, admin, `${p}_vnf`, 'vnf');
      await onboardFolder(t, admin, `${p}_ns`, 'ns');
    }
  });

  const instantiate = async (nsdId: string) => {
    const created = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin)
      .send({ nsName: nsdId, nsdId, vimAccountId: vim })
      .expect(201);
    return { id: created.body.id as string, op: await settledOp(t, admin, created.body.nslcmop_id) };
  };
  const action = (id: string, body: Obj) => asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${id}/action`), admin).send(body);
  const terminate = async (id: string) => {
    const res = await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${id}/terminate`), admin)
      .send({})
      .expect(202);
    expect((await settledOp(t, admin, res.body.id)).operationState).toBe('COMPLETED');
    await asJson(t.http.delete(`/osm/nslcm/v1/ns_instances/${id}`), admin).expect(204);
  };
  const inventory = async () => (await asJson(t.http.get(`/mano/v1/emulator/${vim}/inventory`), admin).expect(200)).body as Obj;
  const nothingLeft = async () => {
    const inv = await inventory();
    for (const kind of ['computes', 'volumes', 'networks']) expect(inv[kind]).toEqual([]);
  };

  it('onboards the sme-edge slice template over the four NSDs', async () => {
    const text = readFileSync(join(DESCRIPTORS, 'sme_edge_nst', 'sme_edge_nst.yaml'), 'utf8');
    const res = await asJson(t.http.post('/osm/nst/v1/netslice_templates_content'), admin)
      .set('Content-Type', 'application/yaml')
      .send(text)
      .expect(201);
    const nst = (await asJson(t.http.get(`/osm/nst/v1/netslice_templates/${res.body.id}`), admin).expect(200)).body;
    expect(nst['netslice-subnet'].map((s: Obj) => s['nsd-ref'])).toEqual([
      'registry_ns',
      'code_grader_ns',
      'object_detection_ns',
    ]);
  });

  it('registry: instantiates with no parameters, day-1 SKIPPED with its reason, day-2 → 422 naming the VIM types', async () => {
    const { id, op } = await instantiate('registry_ns');
    expect(op.operationState).toBe('COMPLETED');
    const day1 = (op.steps as Step[]).find((s) => s.kind === 'primitive')!;
    expect(day1).toMatchObject({ state: 'SKIPPED', key: expect.stringMatching(/^day-1 create-first-user on /) });
    expect(day1.skipped).toBe(
      "primitive 'create-first-user' needs the real service, on a VIM of type kubernetes or openstack; this VIM is emulator",
    );
    const ns = (await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${id}`), admin).expect(200)).body;
    expect(ns.configurationStatus).toEqual([expect.objectContaining({ primitive: 'create-first-user', status: 'skipped' })]);
    for (const [primitive, params] of [
      ['add-user', { username: 'alice', password: 'secret-pass' }],
      ['remove-user', { username: 'alice' }],
      ['garbage-collect', {}],
    ] as const) {
      const res = await action(id, { member_vnf_index: '1', primitive, primitive_params: params }).expect(422);
      expect(res.body.detail).toContain(
        `primitive '${primitive}' needs the real service, on a VIM of type kubernetes or openstack`,
      );
    }
    // a wrong type is named before anything else
    const bad = await action(id, {
      member_vnf_index: '1',
      primitive: 'garbage-collect',
      primitive_params: { 'dry-run': 'maybe' },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toContain('primitive_params.dry-run');
    await terminate(id);
    await nothingLeft();
  });

  it('object detection: no day-1; set-threshold, set-model, detect → 422 on the emulator; out-of-range and unknown values → 422', async () => {
    const { id, op } = await instantiate('object_detection_ns');
    expect(op.operationState).toBe('COMPLETED');
    expect((op.steps as Step[]).filter((s) => s.kind === 'primitive')).toEqual([]);
    const cases: [string, Obj][] = [
      ['set-threshold', { threshold: 40 }],
      ['set-model', { model: 'yolov8s.pt' }],
      ['detect', { url: 'https://example.com/cat.jpg' }],
    ];
    for (const [primitive, params] of cases) {
      const res = await action(id, { member_vnf_index: '1', primitive, primitive_params: params }).expect(422);
      expect(res.body.detail).toContain(`primitive '${primitive}' needs the real service`);
    }
    const range = await action(id, { member_vnf_index: '1', primitive: 'set-threshold', primitive_params: { threshold: 150 } });
    expect(range.status).toBe(422);
    expect(range.body.detail).toContain('primitive_params.threshold');
    expect(range.body.detail).toContain('must be within 1..99');
    const model = await action(id, { member_vnf_index: '1', primitive: 'set-model', primitive_params: { model: 'evil.pt' } });
    expect(model.status).toBe(422);
    expect(model.body.detail).toContain('must be one of yolov8n.pt');
    await terminate(id);
    await nothingLeft();
  });

  it('crypto service: day-1 create-schema SKIPPED with its reason; backup, restore, rotate-credentials → 422', async () => {
    const { id, op } = await instantiate('crypto_service_ns');
    expect(op.operationState).toBe('COMPLETED');
    const day1 = (op.steps as Step[]).filter((s) => s.kind === 'primitive');
    expect(day1).toEqual([expect.objectContaining({ state: 'SKIPPED', skipped: expect.stringContaining("'create-schema'") })]);
    expect(((await inventory()).computes as Obj[]).length).toBe(2);
    for (const primitive of ['backup', 'restore']) {
      const res = await action(id, { member_vnf_index: '1', vdu_id: 'db', primitive }).expect(422);
      expect(res.body.detail).toContain('on a VIM of type kubernetes or openstack');
    }
    const rotate = await action(id, { member_vnf_index: '1', vdu_id: 'db', primitive: 'rotate-credentials' }).expect(422);
    expect(rotate.body.detail).toContain("primitive 'rotate-credentials' needs the real service, on a VIM of type openstack");
    await terminate(id);
    await nothingLeft();
  });

  describe('code grader: grades for real in the compute sandbox', () => {
    let id: string;
    const tests = JSON.stringify([
      { input: '2\n', output: '4' },
      { input: '5\n', output: '10' },
      { input: '21\n', output: '42' },
    ]);
    const grade = async (language: string, source: string, extra: Obj = {}) => {
      const res = await action(id, {
        member_vnf_index: '1',
        primitive: 'grade',
        primitive_params: { language, source, tests, 'time-limit': 1, ...extra },
      }).expect(202);
      const op = await settledOp(t, admin, res.body.id);
      expect([op.operationState, op.errorMessage]).toEqual(['COMPLETED', null]);
      const step = (op.steps as Step[])[0];
      return step
        .result!.stdout.trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Obj);
    };

    it('instantiates with no parameters; day-1 health-check ran in the sandbox', async () => {
      const created = await instantiate('code_grader_ns');
      id = created.id;
      expect(created.op.operationState).toBe('COMPLETED');
      const day1 = (created.op.steps as Step[]).find((s) => s.kind === 'primitive')!;
      expect(day1.state).toBe('DONE');
      expect(day1.result!.stdout).toMatch(/^grader ready: Python 3/);
    });

    it.each([
      [
        'python3',
        'print(int(input()) * 2)',
        'c',
        '#include <stdio.h>\nint main(void){int n; scanf("%d",&n); printf("%d\\n", n*2); return 0;}',
      ],
    ])('passes a correct submission in Python and in C', async (py, pySrc, c, cSrc) => {
      for (const [lang, src] of [
        [py, pySrc],
        [c, cSrc],
      ]) {
        const verdicts = await grade(lang, src);
        expect(verdicts.slice(0, 3).map((v) => v.verdict)).toEqual(['passed', 'passed', 'passed']);
        expect(verdicts[3]).toEqual({ summary: 'passed', passed: 3, tests: 3 });
      }
    });

    it('stops at the first failing test case (wrong answer), in Python and in C', async () => {
      const py = await grade('python3', 'n = int(input())\nprint(n * 2 if n < 5 else n)');
      expect(py.map((v) => v.verdict ?? v.summary)).toEqual(['passed', 'wrong-answer', 'failed']);
      expect(py[1]).toMatchObject({ test: 2, expected: '10', got: '5\n' });
      const c = await grade('c', '#include <stdio.h>\nint main(void){int n; scanf("%d",&n); printf("%d\\n", n+2); return 0;}');
      expect(c.map((v) => v.verdict ?? v.summary)).toEqual(['passed', 'wrong-answer', 'failed']);
    });

    it('reports a submission that does not compile', async () => {
      const c = await grade('c', 'int main(void) { return missing; }');
      expect(c[0]).toMatchObject({ test: 0, verdict: 'compile-error', detail: expect.stringContaining('missing') });
      const py = await grade('python3', 'def broken(:\n  pass');
      expect(py[0]).toMatchObject({ test: 0, verdict: 'compile-error', detail: expect.stringContaining('SyntaxError') });
    });

    it('stops a submission that loops forever: verdict timeout, nothing left running', async () => {
      const py = await grade('python3', 'while True:\n    pass');
      expect(py[0]).toEqual({ test: 1, verdict: 'timeout', seconds: 1 });
      const c = await grade('c', 'int main(void){ for(;;); }');
      expect(c[0]).toEqual({ test: 1, verdict: 'timeout', seconds: 1 });
      // its work directory is gone with it
      const [vm] = (await inventory()).computes as { sandbox: { files: string[] } }[];
      expect(vm.sandbox.files.filter((f) => f.includes('grade-'))).toEqual([]);
    });

    it('refuses bad input: an unknown language, a limit out of range or of the wrong type (422 naming it)', async () => {
      const lang = await action(id, {
        member_vnf_index: '1',
        primitive: 'grade',
        primitive_params: { language: 'cobol', source: 'x', tests },
      }).expect(422);
      expect(lang.body.detail).toContain('primitive_params.language');
      expect(lang.body.detail).toContain('must be one of python3, c');
      const range = await action(id, {
        member_vnf_index: '1',
        primitive: 'grade',
        primitive_params: { language: 'c', source: 'x', tests, 'time-limit': 100 },
      }).expect(422);
      expect(range.body.detail).toContain('primitive_params.time-limit');
      const type = await action(id, {
        member_vnf_index: '1',
        primitive: 'grade',
        primitive_params: { language: 'c', source: 'x', tests, 'memory-limit': 'lots' },
      }).expect(422);
      expect(type.body.detail).toContain('primitive_params.memory-limit');
    });

    it('terminates: nothing left', async () => {
      await terminate(id);
      await nothingLeft();
    });
  });
});
