// SPDX-License-Identifier: GPL-2.0
/*
 * sixpn dataplane: tc programs (attached as tcx links, Linux 6.6+) that keep organizations apart.
 *
 *   from_instance  ingress of an instance's host-side link (Ethernet framing)
 *   from_mesh      ingress of the WireGuard device (L3 tun, no link-layer header)
 *   from_peer      ingress of the WireGuard device for peers outside the fleet (L3 tun): a peer
 *                  sends from its own address only and reaches its own network, like an instance
 *   from_underlay  ingress of every other interface of the host (underlay, bridges, tunnels; not
 *                  lo): 6PN and mesh-form destinations may only arrive through WireGuard (where
 *                  from_mesh checks them) or an instance link, never bare. Fail closed: the
 *                  dataplane attaches it to each interface it finds, not to a configured list.
 *
 * Forwarding is left to the kernel: from_instance rewrites a remote destination to the mesh form
 * and returns TC_ACT_OK; the host's route fdab::/16 dev <wg> then hands the packet to WireGuard,
 * whose cryptokey routing picks the peer by the destination host's /48. from_mesh rewrites back
 * and the per-instance /128 route delivers to the instance's link. Keeping the kernel on the
 * path keeps hop limits, ICMP errors and PMTU discovery working, at the cost of a FIB lookup.
 *
 * The mesh rewrite (fdaa:N:N:H:H:I:I:R <-> fdab:H:H:N:N:I:I:R-1) permutes 16-bit words and adds +1/-1, so the
 * one's-complement sum of each address is unchanged: L4 checksums (pseudo-header), partial
 * checksums and CHECKSUM_COMPLETE sums all stay valid and no csum helper is called.
 *
 * Every struct here has a Java twin (dev.sixpn.dataplane.maps.*) whose MemoryLayout is checked
 * against this object's BTF by LayoutMatchesBtfTest; change both together.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <stddef.h>

#define SIXPN_PREFIX 0xfdaa
#define MESH_PREFIX 0xfdab
#define ROLE_DNS 3

/* link_info.flags */
#define LINK_ALLOW_HOST 0x1

/* local_instance.flags: the address is a peer's, behind the peer device (ifindex) */
#define LOCAL_PEER 0x1

/* Drop reasons: index into sixpn_drops. Keep in sync with DropReason.java. */
enum drop_reason {
	DROP_MALFORMED = 0,
	DROP_NOT_IPV6 = 1,
	DROP_NOT_CONFIGURED = 2,
	DROP_UNKNOWN_LINK = 3,
	DROP_SPOOFED_SOURCE = 4,
	DROP_NOT_6PN_DEST = 5,
	DROP_CROSS_NETWORK = 6,
	DROP_HOST_NOT_ALLOWED = 7,
	DROP_UNKNOWN_LOCAL_DEST = 8,
	DROP_NO_MESH_FORM = 9,
	DROP_MESH_NOT_MESH_FORM = 10,
	DROP_MESH_WRONG_HOST = 11,
	DROP_MESH_CROSS_NETWORK = 12,
	DROP_MESH_UNKNOWN_DEST = 13,
	DROP_MULTICAST = 14,
	DROP_LINK_LOCAL = 15,
	DROP_UNDERLAY_6PN = 16,
	DROP_REASONS = 32,
};

/* Single entry (key 0): this host. host == 0 means not configured yet: drop everything. */
struct sixpn_config {
	__u32 host;
	__u32 flags;
};

/* Per instance link (key: ifindex of the host-side link): the one address it may send from. */
struct link_info {
	__u8 addr[16];
	__u32 flags;
	__u32 reserved;
};

/* Per local instance or peer (key: its 6PN address): where it lives. */
struct local_instance {
	__u32 ifindex;
	__u32 flags;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sixpn_config);
} sixpn_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct link_info);
} sixpn_links SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct in6_addr);
	__type(value, struct local_instance);
} sixpn_locals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DROP_REASONS);
	__type(key, __u32);
	__type(value, __u64);
} sixpn_drops SEC(".maps");

/*
 * Drop events for `sixpn monitor`: one record per dropped packet in a ring buffer, rate-bounded
 * per CPU by a token bucket (DROP_EVENTS_PER_SEC, bursts of DROP_EVENT_BURST) so a flood costs the
 * host a counter increment per packet and never more than that many records a second. What the
 * bucket or a full ring (no reader) holds back is counted in drop_rate.suppressed, and reported
 * in the next record that does go out. Java twins: DropEventsRing, DropRateMap.
 */
#define DROP_EVENTS_PER_SEC 1000
#define DROP_EVENT_BURST 64
#define NS_PER_DROP_EVENT (1000000000ULL / DROP_EVENTS_PER_SEC)

struct drop_event {
	__u64 time_ns;		/* bpf_ktime_get_ns (CLOCK_MONOTONIC) */
	__u32 ifindex;		/* the interface the packet came in on */
	__u32 reason;		/* enum drop_reason */
	__u32 len;		/* skb->len */
	__u32 suppressed;	/* events this CPU held back since its previous record */
	__u16 protocol;		/* ethertype, host order */
	__u8 nexthdr;		/* IPv6 next header, if has_addrs */
	__u8 has_addrs;		/* 1: saddr, daddr and nexthdr are the packet's */
	__u8 saddr[16];
	__u8 daddr[16];
	__u32 pad;
};

/* Per CPU: the token bucket (credit in nanoseconds of event time) and what it held back. */
struct drop_rate {
	__u64 last_ns;
	__u64 credit_ns;
	__u64 suppressed;	/* total, never reset */
	__u64 pending;		/* since the last record this CPU wrote */
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} sixpn_dropring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct drop_rate);
} sixpn_droprate SEC(".maps");

/*
 * Not inlined: one copy of this code instead of one per drop site (its prototype also puts
 * struct drop_event into the BTF, where LayoutMatchesBtfTest finds it). e is the caller's stack,
 * with reason set; copied into the ring by bpf_ringbuf_output.
 */
static __attribute__((noinline)) int emit_drop_event(struct __sk_buff *skb, struct drop_event *e)
{
	__u32 zero = 0;
	struct drop_rate *rate = bpf_map_lookup_elem(&sixpn_droprate, &zero);
	struct ipv6hdr ip6;
	__u64 now, credit;

	if (!rate)
		return 0;
	now = bpf_ktime_get_ns();
	credit = rate->credit_ns + (now - rate->last_ns);
	if (credit > DROP_EVENT_BURST * NS_PER_DROP_EVENT)
		credit = DROP_EVENT_BURST * NS_PER_DROP_EVENT;
	rate->last_ns = now;
	rate->credit_ns = credit;
	if (credit < NS_PER_DROP_EVENT)
		goto suppress;
	e->time_ns = now;
	e->ifindex = skb->ifindex;
	e->len = skb->len;
	e->suppressed = rate->pending > 0xffffffff ? 0xffffffff : (__u32)rate->pending;
	e->protocol = bpf_ntohs(skb->protocol);
	if (skb->protocol == bpf_htons(ETH_P_IPV6) &&
	    bpf_skb_load_bytes_relative(skb, 0, &ip6, sizeof(ip6), BPF_HDR_START_NET) == 0) {
		__builtin_memcpy(e->saddr, &ip6.saddr, 16);
		__builtin_memcpy(e->daddr, &ip6.daddr, 16);
		e->nexthdr = ip6.nexthdr;
		e->has_addrs = 1;
	}
	/* Fails only when the ring is full: nobody reads it, or not fast enough. */
	if (bpf_ringbuf_output(&sixpn_dropring, e, sizeof(*e), 0) < 0)
		goto suppress;
	rate->credit_ns = credit - NS_PER_DROP_EVENT;
	rate->pending = 0;
	return 0;
suppress:
	rate->suppressed++;
	rate->pending++;
	return 0;
}

/* The one way a program drops: counted per reason, and an event for `sixpn monitor`. */
static __always_inline int drop(struct __sk_buff *skb, __u32 reason)
{
	__u64 *count = bpf_map_lookup_elem(&sixpn_drops, &reason);
	struct drop_event e = {.reason = reason};

	if (count)
		*count += 1;
	emit_drop_event(skb, &e);
	return TC_ACT_SHOT;
}

static __always_inline __u16 word(const struct in6_addr *a, int i)
{
	return bpf_ntohs(a->in6_u.u6_addr16[i]);
}

static __always_inline __u32 field32(const struct in6_addr *a, int first_word)
{
	return ((__u32)word(a, first_word) << 16) | word(a, first_word + 1);
}

static __always_inline int addr_eq(const struct in6_addr *a, const __u8 *b)
{
	const __u32 *x = a->in6_u.u6_addr32;
	const __u32 *y = (const __u32 *)b;
	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

/* fdaa:N1:N2:H1:H2:I1:I2:R -> fdab:H1:H2:N1:N2:I1:I2:R-1 (caller ensures R != 0). */
static __always_inline void to_mesh(struct in6_addr *a)
{
	__be16 n1 = a->in6_u.u6_addr16[1], n2 = a->in6_u.u6_addr16[2];
	a->in6_u.u6_addr16[0] = bpf_htons(MESH_PREFIX);
	a->in6_u.u6_addr16[1] = a->in6_u.u6_addr16[3];
	a->in6_u.u6_addr16[2] = a->in6_u.u6_addr16[4];
	a->in6_u.u6_addr16[3] = n1;
	a->in6_u.u6_addr16[4] = n2;
	a->in6_u.u6_addr16[7] = bpf_htons(word(a, 7) - 1);
}

/* fdab:H1:H2:N1:N2:I1:I2:R -> fdaa:N1:N2:H1:H2:I1:I2:R+1 (caller ensures R != 0xffff). */
static __always_inline void from_mesh_form(struct in6_addr *a)
{
	__be16 h1 = a->in6_u.u6_addr16[1], h2 = a->in6_u.u6_addr16[2];
	a->in6_u.u6_addr16[0] = bpf_htons(SIXPN_PREFIX);
	a->in6_u.u6_addr16[1] = a->in6_u.u6_addr16[3];
	a->in6_u.u6_addr16[2] = a->in6_u.u6_addr16[4];
	a->in6_u.u6_addr16[3] = h1;
	a->in6_u.u6_addr16[4] = h2;
	a->in6_u.u6_addr16[7] = bpf_htons(word(a, 7) + 1);
}

/*
 * Writes source and destination (adjacent in the IPv6 header) with one bpf_skb_store_bytes
 * and no checksum flags (the sum is unchanged). Not a direct packet write on purpose: a program
 * with any direct write gets a verifier prologue that un-clones every skb it sees, including
 * the ones it only lets through (TCP transmits clones).
 */
static __always_inline int rewrite_addresses(struct __sk_buff *skb, __u32 l3_off, const struct in6_addr addrs[2])
{
	if (bpf_skb_store_bytes(skb, l3_off + offsetof(struct ipv6hdr, saddr), addrs, 2 * sizeof(struct in6_addr), 0) < 0)
		return drop(skb, DROP_MALFORMED);
	return TC_ACT_OK;
}

/*
 * Router/neighbour solicitation and advertisement (ICMPv6 133-136) pass, but only to link-scope
 * destinations (fe80::/10, ff02::/16), where they belong (RFC 4861): an ND-typed packet to a
 * routable address would otherwise be forwarded unchecked to another network.
 */
static __always_inline int is_neighbour_discovery(struct __sk_buff *skb, const struct ipv6hdr *ip6, __u32 l3_off)
{
	__u8 type;
	__u16 dst0 = word(&ip6->daddr, 0);
	if (ip6->nexthdr != IPPROTO_ICMPV6)
		return 0;
	if ((dst0 & 0xffc0) != 0xfe80 && dst0 != 0xff02)
		return 0;
	if (bpf_skb_load_bytes(skb, l3_off + sizeof(struct ipv6hdr), &type, 1) < 0)
		return 0;
	return type >= 133 && type <= 136;
}

/*
 * The IPv6 header at l3_off, in the linear area: pulled there only when it is not (rare, headers
 * outside the linear area; the pull may copy). NULL, with the drop's verdict in *verdict, for a
 * packet that is not IPv6 or too short to hold the header.
 */
static __always_inline struct ipv6hdr *ipv6_header(struct __sk_buff *skb, __u32 l3_off, int *verdict)
{
	void *data, *end;
	struct ipv6hdr *ip6;

	if (skb->protocol != bpf_htons(ETH_P_IPV6)) {
		*verdict = drop(skb, DROP_NOT_IPV6);
		return NULL;
	}
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	if (data + l3_off + sizeof(struct ipv6hdr) > end) {
		if (bpf_skb_pull_data(skb, l3_off + sizeof(struct ipv6hdr)) < 0) {
			*verdict = drop(skb, DROP_MALFORMED);
			return NULL;
		}
		data = (void *)(long)skb->data;
		end = (void *)(long)skb->data_end;
	}
	ip6 = data + l3_off;
	if ((void *)(ip6 + 1) > end) {
		*verdict = drop(skb, DROP_MALFORMED);
		return NULL;
	}
	return ip6;
}

static __always_inline struct sixpn_config *config(void)
{
	__u32 zero = 0;
	struct sixpn_config *cfg = bpf_map_lookup_elem(&sixpn_config, &zero);
	if (!cfg || cfg->host == 0)
		return 0;
	return cfg;
}

/*
 * Where a packet from a local sender whose source address is checked (an instance, a peer) may go:
 * the resolvers, its host where link_flags allow, its network's instances here (as they are) and on
 * other hosts (rewritten to the mesh form for the kernel to route into WireGuard). saddr and daddr
 * point into the packet, l3_off bytes in.
 */
static __always_inline int forward_local(struct __sk_buff *skb, __u32 l3_off, const struct in6_addr *saddr,
					 const struct in6_addr *daddr, const struct sixpn_config *cfg, __u32 link_flags)
{
	struct in6_addr dst = *daddr;
	if (word(&dst, 0) != SIXPN_PREFIX)
		return drop(skb, DROP_NOT_6PN_DEST);
	__u32 dnet = field32(&dst, 1), dhost = field32(&dst, 3), dinst = field32(&dst, 5);
	__u16 drole = word(&dst, 7);

	/* fdaa::3, the resolver every host answers locally. */
	if (dnet == 0 && dhost == 0 && dinst == 0 && drole == ROLE_DNS)
		return TC_ACT_OK;
	/* Network 0 is the hosts' own: only this host, and only where allowed for the link. */
	if (dnet == 0) {
		if ((link_flags & LINK_ALLOW_HOST) && dhost == cfg->host)
			return TC_ACT_OK;
		return drop(skb, DROP_HOST_NOT_ALLOWED);
	}
	if (dnet != field32(saddr, 1))
		return drop(skb, DROP_CROSS_NETWORK);
	/* fdaa:NNNN:NNNN::3, the network's DNS service, answered by this host. */
	if (dhost == 0) {
		if (dinst == 0 && drole == ROLE_DNS)
			return TC_ACT_OK;
		return drop(skb, DROP_UNKNOWN_LOCAL_DEST);
	}
	if (dhost == cfg->host) {
		if (!bpf_map_lookup_elem(&sixpn_locals, &dst))
			return drop(skb, DROP_UNKNOWN_LOCAL_DEST);
		return TC_ACT_OK;
	}
	if (drole == 0)
		return drop(skb, DROP_NO_MESH_FORM);
	struct in6_addr addrs[2] = {*saddr, dst};
	to_mesh(&addrs[0]);
	to_mesh(&addrs[1]);
	return rewrite_addresses(skb, l3_off, addrs);
}

SEC("tc")
int from_instance(struct __sk_buff *skb)
{
	const __u32 l3_off = sizeof(struct ethhdr);
	int verdict;
	struct ipv6hdr *ip6 = ipv6_header(skb, l3_off, &verdict);

	if (!ip6)
		return verdict;
	if (is_neighbour_discovery(skb, ip6, l3_off))
		return TC_ACT_OK;

	struct sixpn_config *cfg = config();
	if (!cfg)
		return drop(skb, DROP_NOT_CONFIGURED);
	/* Kept apart from spoofing so that MLD reports and link-local chatter (every instance
	 * sends some) do not drown the counter that means an attack. */
	if (ip6->daddr.in6_u.u6_addr8[0] == 0xff)
		return drop(skb, DROP_MULTICAST);
	if (word(&ip6->saddr, 0) >> 6 == 0xfe80 >> 6)
		return drop(skb, DROP_LINK_LOCAL);

	__u32 ifindex = skb->ifindex;
	struct link_info *link = bpf_map_lookup_elem(&sixpn_links, &ifindex);
	if (!link)
		return drop(skb, DROP_UNKNOWN_LINK);
	if (!addr_eq(&ip6->saddr, link->addr))
		return drop(skb, DROP_SPOOFED_SOURCE);

	return forward_local(skb, l3_off, &ip6->saddr, &ip6->daddr, cfg, link->flags);
}

/*
 * A packet of a peer outside the fleet, decrypted by the peer device. WireGuard accepted it only if
 * its source is inside the sending peer's AllowedIPs (its own /128); the locals entry says that
 * address is a peer behind this very device. From there on a peer is treated as an instance with
 * no host access: its network's instances here and, over the mesh, on every other host.
 */
SEC("tc")
int from_peer(struct __sk_buff *skb)
{
	int verdict;
	struct ipv6hdr *ip6 = ipv6_header(skb, 0, &verdict);

	if (!ip6)
		return verdict;

	struct sixpn_config *cfg = config();
	if (!cfg)
		return drop(skb, DROP_NOT_CONFIGURED);
	if (ip6->daddr.in6_u.u6_addr8[0] == 0xff)
		return drop(skb, DROP_MULTICAST);
	if (word(&ip6->saddr, 0) >> 6 == 0xfe80 >> 6)
		return drop(skb, DROP_LINK_LOCAL);
	struct in6_addr src = ip6->saddr;
	struct local_instance *peer = bpf_map_lookup_elem(&sixpn_locals, &src);
	if (!peer || !(peer->flags & LOCAL_PEER) || peer->ifindex != skb->ifindex)
		return drop(skb, DROP_SPOOFED_SOURCE);
	return forward_local(skb, 0, &ip6->saddr, &ip6->daddr, cfg, 0);
}

SEC("tc")
int from_mesh(struct __sk_buff *skb)
{
	int verdict;
	struct ipv6hdr *ip6 = ipv6_header(skb, 0, &verdict);

	if (!ip6)
		return verdict;

	struct sixpn_config *cfg = config();
	if (!cfg)
		return drop(skb, DROP_NOT_CONFIGURED);
	if (word(&ip6->saddr, 0) != MESH_PREFIX || word(&ip6->daddr, 0) != MESH_PREFIX)
		return drop(skb, DROP_MESH_NOT_MESH_FORM);
	/* The source host needs no check: WireGuard accepts a packet from a peer only if its
	 * source is inside that peer's AllowedIPs, the sending host's fdab:HHHH:HHHH::/48. */
	if (field32(&ip6->daddr, 1) != cfg->host)
		return drop(skb, DROP_MESH_WRONG_HOST);
	if (field32(&ip6->saddr, 3) != field32(&ip6->daddr, 3))
		return drop(skb, DROP_MESH_CROSS_NETWORK);
	if (word(&ip6->saddr, 7) == 0xffff || word(&ip6->daddr, 7) == 0xffff)
		return drop(skb, DROP_MESH_NOT_MESH_FORM);
	struct in6_addr addrs[2] = {ip6->saddr, ip6->daddr};
	from_mesh_form(&addrs[0]);
	from_mesh_form(&addrs[1]);
	if (!bpf_map_lookup_elem(&sixpn_locals, &addrs[1]))
		return drop(skb, DROP_MESH_UNKNOWN_DEST);
	return rewrite_addresses(skb, 0, addrs);
}

SEC("tc")
int from_underlay(struct __sk_buff *skb)
{
	__u8 prefix[2];

	/* Attached to every interface of the host that is neither an instance link nor the mesh
	 * device, whatever its framing (Ethernet, a tun, an IP tunnel): the offset is taken from the
	 * network header. Anything that is not ours goes on to the next program (TCX_NEXT, or the next
	 * classic tc filter), so other tc users on the interface keep working. */
	if (skb->protocol != bpf_htons(ETH_P_IPV6))
		return TC_ACT_UNSPEC;
	if (bpf_skb_load_bytes_relative(skb, offsetof(struct ipv6hdr, daddr), prefix, sizeof(prefix),
					BPF_HDR_START_NET) < 0)
		return TC_ACT_UNSPEC;
	if (prefix[0] == 0xfd && (prefix[1] == 0xaa || prefix[1] == 0xab))
		return drop(skb, DROP_UNDERLAY_6PN);
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "GPL";
