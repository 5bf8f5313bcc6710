package dev.sixpn.dns.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.MessageToByteEncoder;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * DNS over TCP (RFC 1035 §4.2.2, RFC 7766): every message is preceded by its length as two bytes.
 * Several queries may be in flight on one connection; answers may come in any order.
 */
public final class TcpDnsCodec {

  private TcpDnsCodec() {}

  /** Adds the framing, the query decoder and the response encoder to a TCP child pipeline. */
  public static void install(ChannelPipeline pipeline, WireErrors errors) {
    pipeline.addLast("dns-frame", new LengthFieldBasedFrameDecoder(0xffff, 0, 2, 0, 2));
    pipeline.addLast("dns-query", new TcpDnsQueryDecoder(errors));
    pipeline.addLast("dns-response", new TcpDnsResponseEncoder());
  }

  /** A length-stripped frame → {@link DnsRequest}. */
  public static final class TcpDnsQueryDecoder extends MessageToMessageDecoder<ByteBuf> {
    private final WireErrors errors;

    public TcpDnsQueryDecoder(WireErrors errors) {
      super(ByteBuf.class);
      this.errors = Objects.requireNonNull(errors, "errors");
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
      byte[] wire = ByteBufUtil.getBytes(frame);
      InetSocketAddress remote =
          ctx.channel().remoteAddress() instanceof InetSocketAddress r
              ? r
              : new InetSocketAddress(0);
      InetSocketAddress local =
          ctx.channel().localAddress() instanceof InetSocketAddress l ? l : null;
      QueryDecoding.decode(wire, remote, local, Transport.TCP, errors, out);
    }
  }

  /** {@link DnsResponse} → two-byte length and the message. */
  @ChannelHandler.Sharable
  public static final class TcpDnsResponseEncoder extends MessageToByteEncoder<DnsResponse> {
    public TcpDnsResponseEncoder() {
      super(DnsResponse.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, DnsResponse response, ByteBuf out) {
      out.writeShort(response.wire().length);
      out.writeBytes(response.wire());
    }
  }
}
