// Unit tests of the NTSTATUS module: code values and classification, the errno table, and the
// NdkError shape. No RDMA device needed.
import { constants } from 'node:os';

import {
  ERRNO_STATUS_TABLE,
  NdkError,
  NtStatus,
  errnoName,
  ntStatusFromErrno,
  ntStatusHex,
  ntStatusName,
  ntSuccess,
} from '../../lib';

const errno = constants.errno;

describe('NtStatus codes', () => {
  it('are distinct unsigned 32-bit values', () => {
    const codes = Object.values(NtStatus);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code >>> 0).toBe(code);
  });

  it('name and print a known code', () => {
    expect(ntStatusName(NtStatus.STATUS_DEVICE_BUSY)).toBe('STATUS_DEVICE_BUSY');
    expect(ntStatusHex(NtStatus.STATUS_DEVICE_BUSY)).toBe('0x80000011');
    expect(ntStatusHex(NtStatus.STATUS_PENDING)).toBe('0x00000103');
  });

  it('name every defined code by its own key', () => {
    for (const [name, code] of Object.entries(NtStatus)) expect(ntStatusName(code)).toBe(name);
  });

  it('name an unknown code by its hex', () => {
    expect(ntStatusName(0xc0001234)).toBe('NTSTATUS 0xC0001234');
  });

  it('treat a negative int32 like its unsigned form', () => {
    const signedInvalidParameter = NtStatus.STATUS_INVALID_PARAMETER | 0;
    expect(signedInvalidParameter).toBeLessThan(0);
    expect(ntStatusName(signedInvalidParameter)).toBe('STATUS_INVALID_PARAMETER');
    expect(ntStatusHex(signedInvalidParameter)).toBe('0xC000000D');
  });
});

describe('ntSuccess', () => {
  it('passes success and informational severities, including STATUS_PENDING', () => {
    expect(ntSuccess(NtStatus.STATUS_SUCCESS)).toBe(true);
    expect(ntSuccess(NtStatus.STATUS_PENDING)).toBe(true);
    expect(ntSuccess(0x40000000)).toBe(true);
  });

  it('fails warnings such as STATUS_DEVICE_BUSY and every error', () => {
    expect(ntSuccess(NtStatus.STATUS_DEVICE_BUSY)).toBe(false);
    for (const [name, code] of Object.entries(NtStatus)) {
      if (name !== 'STATUS_SUCCESS' && name !== 'STATUS_PENDING')
        expect([name, ntSuccess(code)]).toEqual([name, false]);
    }
  });

  it('reads a negative int32 as the same status', () => {
    expect(ntSuccess(NtStatus.STATUS_UNSUCCESSFUL | 0)).toBe(false);
    expect(ntSuccess(NtStatus.STATUS_DEVICE_BUSY | 0)).toBe(false);
  });
});

describe('ntStatusFromErrno', () => {
  const expected: ReadonlyArray<[string, keyof typeof NtStatus]> = [
    ['EINVAL', 'STATUS_INVALID_PARAMETER'],
    ['EBUSY', 'STATUS_DEVICE_BUSY'],
    ['ENOMEM', 'STATUS_INSUFFICIENT_RESOURCES'],
    ['EFAULT', 'STATUS_ACCESS_VIOLATION'],
    ['EPERM', 'STATUS_ACCESS_DENIED'],
    ['EACCES', 'STATUS_ACCESS_DENIED'],
    ['ENODEV', 'STATUS_NO_SUCH_DEVICE'],
    ['ENXIO', 'STATUS_NO_SUCH_DEVICE'],
    ['EOPNOTSUPP', 'STATUS_NOT_SUPPORTED'],
    ['ENOSYS', 'STATUS_NOT_SUPPORTED'],
    ['EIO', 'STATUS_IO_DEVICE_ERROR'],
    ['ECANCELED', 'STATUS_CANCELLED'],
    ['ETIMEDOUT', 'STATUS_IO_TIMEOUT'],
  ];

  it.each(expected)('maps %s to %s', (name, statusName) => {
    const number = errno[name as keyof typeof errno];
    expect(ntStatusName(ntStatusFromErrno(number))).toBe(statusName);
  });

  it('maps EIO from a destroy call to STATUS_DEVICE_REMOVED', () => {
    expect(ntStatusFromErrno(errno.EIO, { destroy: true })).toBe(NtStatus.STATUS_DEVICE_REMOVED);
  });

  it('keeps the general mapping of other errnos in a destroy call', () => {
    expect(ntStatusFromErrno(errno.EBUSY, { destroy: true })).toBe(NtStatus.STATUS_DEVICE_BUSY);
    expect(ntStatusFromErrno(errno.EIO, { destroy: false })).toBe(NtStatus.STATUS_IO_DEVICE_ERROR);
  });

  it('maps an unlisted errno, and errno 0, to STATUS_UNSUCCESSFUL', () => {
    expect(ntStatusFromErrno(errno.EAGAIN)).toBe(NtStatus.STATUS_UNSUCCESSFUL);
    expect(ntStatusFromErrno(9999)).toBe(NtStatus.STATUS_UNSUCCESSFUL);
    expect(ntStatusFromErrno(0)).toBe(NtStatus.STATUS_UNSUCCESSFUL);
  });

  it('accepts a negated errno and the ENOTSUP alias', () => {
    expect(ntStatusFromErrno(-errno.EINVAL)).toBe(NtStatus.STATUS_INVALID_PARAMETER);
    expect(ntStatusFromErrno(errno.ENOTSUP)).toBe(NtStatus.STATUS_NOT_SUPPORTED);
  });

  it('agrees with every row of the exported table, which covers exactly the expected rows', () => {
    const general = ERRNO_STATUS_TABLE.filter((row) => row.when === undefined);
    expect(general.map((row) => [row.errno, ntStatusName(row.status)])).toEqual(expected);
    for (const row of ERRNO_STATUS_TABLE) {
      const number = errno[row.errno as keyof typeof errno];
      const context = { destroy: row.when === 'destroy' };
      expect(ntStatusFromErrno(number, context)).toBe(row.status);
    }
  });

  it('exports a table that cannot be changed', () => {
    expect(Object.isFrozen(ERRNO_STATUS_TABLE)).toBe(true);
    expect(ERRNO_STATUS_TABLE.every((row) => Object.isFrozen(row))).toBe(true);
  });
});

describe('errnoName', () => {
  it('names an errno, positive or negated', () => {
    expect(errnoName(errno.EINVAL)).toBe('EINVAL');
    expect(errnoName(-errno.EBUSY)).toBe('EBUSY');
  });

  it('prefers EOPNOTSUPP and EAGAIN where Linux shares the number', () => {
    expect(errnoName(errno.ENOTSUP)).toBe('EOPNOTSUPP');
    expect(errnoName(errno.EWOULDBLOCK)).toBe('EAGAIN');
  });

  it('returns undefined for a number that is no errno', () => {
    expect(errnoName(9999)).toBeUndefined();
  });
});

describe('NdkError', () => {
  it('carries status, names, errno and call, and reads them in its message', () => {
    const error = new NdkError(NtStatus.STATUS_DEVICE_BUSY, {
      errno: errno.EBUSY,
      syscall: 'ibv_dereg_mr',
      message: 'memory window still bound',
    });
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(NdkError);
    expect(error.name).toBe('NdkError');
    expect(error.status).toBe(0x80000011);
    expect(error.statusName).toBe('STATUS_DEVICE_BUSY');
    expect(error.code).toBe('EBUSY');
    expect(error.errno).toBe(errno.EBUSY);
    expect(error.syscall).toBe('ibv_dereg_mr');
    expect(error.message).toBe(
      'ibv_dereg_mr: STATUS_DEVICE_BUSY (0x80000011): EBUSY: memory window still bound',
    );
    expect(String(error)).toBe(`NdkError: ${error.message}`);
  });

  it('leaves unknown parts out and uses the status name as code', () => {
    const error = new NdkError(NtStatus.STATUS_INVALID_BUFFER_SIZE);
    expect(error.message).toBe('STATUS_INVALID_BUFFER_SIZE (0xC0000206)');
    expect(error.code).toBe('STATUS_INVALID_BUFFER_SIZE');
    expect(error.errno).toBeUndefined();
    expect(error.syscall).toBeUndefined();
  });

  it('stores a signed status as unsigned', () => {
    expect(new NdkError(NtStatus.STATUS_ACCESS_DENIED | 0).status).toBe(0xc0000022);
  });

  it('shows an errno without a name by number, keeping it on the error', () => {
    const error = new NdkError(NtStatus.STATUS_UNSUCCESSFUL, {
      errno: 9999,
      syscall: 'ibv_reg_mr',
    });
    expect(error.message).toBe('ibv_reg_mr: STATUS_UNSUCCESSFUL (0xC0000001): errno 9999');
    expect(error.code).toBe('STATUS_UNSUCCESSFUL');
    expect(error.errno).toBe(9999);
  });

  describe('fromErrno', () => {
    it('takes the status from the errno table', () => {
      const error = NdkError.fromErrno(errno.EINVAL, 'ibv_reg_mr', 'length is zero');
      expect(error.status).toBe(NtStatus.STATUS_INVALID_PARAMETER);
      expect(error.code).toBe('EINVAL');
      expect(error.message).toBe(
        'ibv_reg_mr: STATUS_INVALID_PARAMETER (0xC000000D): EINVAL: length is zero',
      );
    });

    it('passes the destroy context to the table', () => {
      const error = NdkError.fromErrno(errno.EIO, 'ibv_dereg_mr', undefined, { destroy: true });
      expect(error.statusName).toBe('STATUS_DEVICE_REMOVED');
      expect(error.code).toBe('EIO');
      expect(error.message).toBe('ibv_dereg_mr: STATUS_DEVICE_REMOVED (0xC00002B6): EIO');
    });

    it('keeps an unknown errno and fails with STATUS_UNSUCCESSFUL', () => {
      const error = NdkError.fromErrno(9999, 'ibv_reg_mr');
      expect(error.status).toBe(NtStatus.STATUS_UNSUCCESSFUL);
      expect(error.errno).toBe(9999);
    });
  });
});
