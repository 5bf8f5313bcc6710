package dev.sixpn.projector.store;

/** An instance's primary key: what the address and host indexes point to. */
record InstanceRef(long network, String app, String instanceId) {}
