import { databaseFault } from './database-fault';

describe('databaseFault: storage and connection failures are told apart from defects', () => {
  it.each([
    [{ code: 'SQLITE_FULL' }, /disk is full/],
    [{ code: 'SQLITE_READONLY_DBMOVED' }, /read-only/],
    [{ code: 'SQLITE_IOERR_WRITE' }, /storage failed/],
    [{ code: 'SQLITE_BUSY' }, /busy/],
    [{ code: '57P01' }, /unavailable/], // admin_shutdown: PostgreSQL stopping
    [{ code: '08006' }, /unavailable/], // connection failure
    [{ code: '53100' }, /unavailable/], // disk full on the server
    [{ code: '25006' }, /unavailable/], // read-only transaction (a standby)
    [{ code: 'ECONNREFUSED' }, /unreachable/],
    [new Error('Connection terminated unexpectedly'), /unreachable/],
    // TypeORM's QueryFailedError wraps the driver's error
    [Object.assign(new Error('query failed'), { driverError: { code: 'SQLITE_FULL' } }), /disk is full/],
  ])('%o → 503', (error, detail) => {
    expect(databaseFault(error)?.detail).toMatch(detail);
  });

  it.each([
    [new Error('boom')],
    [{ code: '23505' }], // unique violation: a request problem or a defect, not unavailability
    [{ code: 'SQLITE_CONSTRAINT_UNIQUE' }],
    [null],
    ['SQLITE_FULL'],
  ])('%o is not a database fault', (error) => {
    expect(databaseFault(error)).toBeUndefined();
  });
});
