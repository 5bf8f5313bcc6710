package dev.sixpn.address;

/**
 * IPv6 text in the recommended form of RFC 5952 §4: lowercase hex, leading zeros dropped, the
 * longest run (leftmost on a tie) of two or more zero words shortened to {@code ::}.
 */
public final class Ipv6Text {

  private Ipv6Text() {}

  public static String format(byte[] address) {
    if (address == null || address.length != 16) {
      throw new IllegalArgumentException("an IPv6 address is 16 bytes");
    }
    int[] words = new int[8];
    for (int i = 0; i < 8; i++) {
      words[i] = SixpnAddress.word(address, i * 2);
    }
    int bestStart = -1;
    int bestLen = 0;
    for (int i = 0; i < 8; ) {
      if (words[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && words[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    if (bestLen < 2) {
      bestStart = -1;
    }
    StringBuilder sb = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(words[i]));
    }
    return sb.toString();
  }
}
