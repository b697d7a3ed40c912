import { OwnedRow, ProjectScope, PUBLIC_PROJECT, ScopeAction, ScopeSession } from './project-scope';

const A = 'project-a';
const B = 'project-b';
const C = 'project-c';

/** Every kind of record the catalog, PDU, account and NS services keep; each is owned the same way. */
const KINDS = [
  'vnfd',
  'nsd',
  'nst',
  'pdu',
  'vim_accounts',
  'wim_accounts',
  'sdns',
  'k8sclusters',
  'k8srepos',
  'ns_instance',
  'vnf_instance',
  'ns_lcm_op_occ',
];

const session = (over: Partial<ScopeSession> = {}): ScopeSession => ({ projectId: A, projectIds: [A], ...over });
const owned = (read: string[], write: string[]): OwnedRow => ({ projectsRead: read, projectsWrite: write });

const RECORDS: Record<string, OwnedRow> = {
  ofA: owned([A], [A]),
  ofB: owned([B], [B]),
  publicOfB: owned([B, PUBLIC_PROJECT], [B]),
  sharedAB: owned([B, A], [B]),
  writableByAll: owned([B], [B, PUBLIC_PROJECT]),
};

type Row = [string, ScopeSession, keyof typeof RECORDS, Record<ScopeAction, boolean>];
const yes = { list: true, read: true, write: true, delete: true };
const no = { list: false, read: false, write: false, delete: false };

/** Caller × record → may it list, read, write, delete (find for delete). */
const TABLE: Row[] = [
  ['owner', session(), 'ofA', yes],
  ['other project', session(), 'ofB', no],
  ['other project, public record', session(), 'publicOfB', { list: false, read: true, write: false, delete: false }],
  ['PUBLIC=true lists public', session({ public: true }), 'publicOfB', { list: true, read: true, write: false, delete: true }],
  [
    'PUBLIC=false hides public',
    session({ public: false }),
    'publicOfB',
    { list: false, read: true, write: false, delete: false },
  ],
  ['PUBLIC=false keeps own', session({ public: false }), 'ofA', yes],
  ['PUBLIC=true never widens to private', session({ public: true }), 'ofB', no],
  ['reader by SET_PROJECT share', session(), 'sharedAB', { list: true, read: true, write: false, delete: true }],
  ['projects_write ANY', session(), 'writableByAll', { list: false, read: false, write: true, delete: false }],
  [
    'SET_PROJECT does not grant write',
    session({ setProject: [A] }),
    'publicOfB',
    { list: false, read: true, write: false, delete: false },
  ],
  ['ADMIN (all projects)', session({ projectIds: [] }), 'ofB', yes],
  ['ADMIN=B', session({ projectIds: [B] }), 'ofB', yes],
  ['ADMIN=B, A record', session({ projectIds: [B] }), 'ofA', no],
];

describe('ProjectScope', () => {
  for (const kind of KINDS) {
    describe(kind, () => {
      it.each(TABLE)('%s', (_name, s, record, expected) => {
        const scope = ProjectScope.of(s);
        const row = structuredClone(RECORDS[record]);
        for (const action of ['list', 'read', 'write', 'delete'] as ScopeAction[]) {
          expect([action, scope.can(action, row)]).toEqual([action, expected[action]]);
        }
        expect(scope.canList(row)).toBe(expected.list);
        expect(scope.canRead(row)).toBe(expected.read);
        expect(scope.canWrite(row)).toBe(expected.write);
        expect(scope.canDelete(row)).toBe(expected.delete);
      });
    });
  }

  it('decides what a delete does: unshare, delete or deny (401)', () => {
    expect(ProjectScope.of(session()).deletion(RECORDS.ofA)).toBe('delete');
    expect(ProjectScope.of(session()).deletion(RECORDS.sharedAB)).toBe('unshare');
    expect(ProjectScope.of(session()).withoutSession(RECORDS.sharedAB)).toEqual(owned([B], [B]));
    // found through PUBLIC=true but not one of its owners: nothing to unshare, and no write right
    expect(ProjectScope.of(session({ public: true })).deletion(RECORDS.publicOfB)).toBe('denied');
    expect(ProjectScope.of(session({ projectIds: [] })).deletion(RECORDS.sharedAB)).toBe('delete');
  });

  it('owns new records by the token project, SET_PROJECT and PUBLIC', () => {
    expect(ProjectScope.of(session()).forNew()).toEqual(owned([A], [A]));
    expect(ProjectScope.of(session({ public: true })).forNew()).toEqual(owned([A, PUBLIC_PROJECT], [A]));
    expect(ProjectScope.of(session()).forNew(true)).toEqual(owned([A, PUBLIC_PROJECT], [A]));
    expect(ProjectScope.of(session({ setProject: [B, C] })).forNew()).toEqual(owned([B, C], [B, C]));
    expect(ProjectScope.of(session({ public: false })).forNew()).toEqual(owned([A], [A]));
  });

  it('shares with SET_PROJECT as readers only', () => {
    const scope = ProjectScope.of(session({ projectIds: [], setProject: [C] }));
    expect(scope.sharedWith(RECORDS.ofB)).toEqual(owned([B, C], [B]));
    expect(scope.sharedWith(owned([B, C], [B]))).toEqual(owned([B, C], [B]));
  });

  it('overrides PUBLIC for reference lookups and uniqueness checks', () => {
    const scope = ProjectScope.of(session());
    expect(scope.withPublic(true).canList(RECORDS.publicOfB)).toBe(true);
    expect(scope.withPublic(false).canList(owned([A, PUBLIC_PROJECT], [A]))).toBe(false);
    expect(scope.canList(RECORDS.publicOfB)).toBe(false);
  });

  it('reads session flags as own properties only: a polluted prototype changes nothing', () => {
    const proto = Object.prototype as Record<string, unknown>;
    try {
      proto.public = true;
      proto.setProject = [B];
      proto.projectIds = [];
      const scope = ProjectScope.of({ projectId: A, projectIds: [A] } as ScopeSession);
      expect(scope.publicFlag).toBeUndefined();
      expect(scope.setProject).toBeUndefined();
      expect(scope.canList(RECORDS.publicOfB)).toBe(false);
      expect(scope.forNew()).toEqual(owned([A], [A]));
      expect(() => ProjectScope.of({ projectId: A } as ScopeSession)).toThrow(/projectIds/);
    } finally {
      delete proto.public;
      delete proto.setProject;
      delete proto.projectIds;
    }
  });

  it('ignores PUBLIC values that are not booleans', () => {
    const scope = ProjectScope.of({ ...session(), public: 'true' as unknown as boolean });
    expect(scope.publicFlag).toBeUndefined();
  });
});
