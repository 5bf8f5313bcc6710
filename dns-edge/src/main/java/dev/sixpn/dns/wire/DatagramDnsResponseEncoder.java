package dev.sixpn.dns.wire;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * {@link DnsResponse} → UDP datagram to its recipient, sent from the channel's own address: each
 * channel is bound to one listen address, the one the query came to.
 */
@ChannelHandler.Sharable
public final class DatagramDnsResponseEncoder extends MessageToMessageEncoder<DnsResponse> {

  public DatagramDnsResponseEncoder() {
    super(DnsResponse.class);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, DnsResponse response, List<Object> out) {
    out.add(new DatagramPacket(Unpooled.wrappedBuffer(response.wire()), response.recipient()));
  }
}
