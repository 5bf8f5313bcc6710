package dev.sixpn.dataplane.bpf;

/** The errno values bpf(2) returns that callers branch on (asm-generic/errno-base.h). */
public final class Errno {

  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int EBADF = 9;
  public static final int ENOMEM = 12;
  public static final int EACCES = 13;
  public static final int EFAULT = 14;
  public static final int EEXIST = 17;
  public static final int EINVAL = 22;
  public static final int E2BIG = 7;
  public static final int ENOSYS = 38;

  private Errno() {}

  public static String name(int errno) {
    String n =
        switch (errno) {
          case EPERM -> "EPERM";
          case ENOENT -> "ENOENT";
          case E2BIG -> "E2BIG";
          case EBADF -> "EBADF";
          case ENOMEM -> "ENOMEM";
          case EACCES -> "EACCES";
          case EFAULT -> "EFAULT";
          case EEXIST -> "EEXIST";
          case EINVAL -> "EINVAL";
          case ENOSYS -> "ENOSYS";
          default -> "errno";
        };
    return n + " (" + errno + ")";
  }

  /** A hint that applies to any bpf(2) call, or "" if the errno has no generic fix. */
  public static String genericHint(int errno) {
    return switch (errno) {
      case EPERM, EACCES ->
          "bpf(2) needs root (or CAP_BPF and CAP_NET_ADMIN): run the agent as root";
      case ENOSYS -> "the kernel has no bpf(2): build it with CONFIG_BPF_SYSCALL=y";
      default -> "";
    };
  }
}
