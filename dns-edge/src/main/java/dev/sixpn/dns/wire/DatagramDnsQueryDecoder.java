package dev.sixpn.dns.wire;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * UDP datagram → {@link DnsRequest}. A datagram shorter than a header, or a response, is dropped;
 * one with a readable header but a malformed body becomes a FORMERR to send; another opcode a
 * NOTIMP. The datagram is released by {@link MessageToMessageDecoder} on every path.
 */
@ChannelHandler.Sharable
public final class DatagramDnsQueryDecoder extends MessageToMessageDecoder<DatagramPacket> {

  private final WireErrors errors;

  public DatagramDnsQueryDecoder(WireErrors errors) {
    super(DatagramPacket.class);
    this.errors = Objects.requireNonNull(errors, "errors");
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, DatagramPacket packet, List<Object> out) {
    decode(ByteBufUtil.getBytes(packet.content()), packet.sender(), packet.recipient(), out);
  }

  /**
   * Decodes one datagram's bytes into {@code out} (nothing if it is dropped); for transports that
   * read datagrams without Netty.
   */
  public void decode(
      byte[] wire, InetSocketAddress sender, InetSocketAddress recipient, List<Object> out) {
    QueryDecoding.decode(wire, sender, recipient, Transport.UDP, errors, out);
  }
}
