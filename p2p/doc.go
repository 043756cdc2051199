// Package p2p is the network of NCN registry nodes and the peers that talk
// to them: a libp2p host (TCP and QUIC) with a private Kademlia DHT holding
// signed records, gossipsub topics carrying signed messages, and a
// request/response protocol that fetches blobs by sha256.
//
// # The network is private by construction
//
// Every protocol carries Config.ProtocolPrefix ("/ncn"): DHT
// "/ncn/kad/1.0.0", topics "/ncn/<name>/1", blobs "/ncn/blob/2.0.0" (and 1.0.0, without offsets),
// descriptors "/ncn/descriptor/1.0.0", so IPFS peers cannot join. A node
// dials on its own only the peers the operator names (Config.Bootstrap);
// there is no relay, no NAT port mapping, no AutoNAT probing (reachability
// is stated by Config.Mode), no mDNS. A pre-shared key (libp2p's private
// network) is not used because it only works over TCP, not QUIC.
//
// # Records
//
// A DHT value is a Record: a versioned, fixed-layout envelope (namespace,
// key, seq, issue and expiry times, payload) signed EIP-191 personal_sign
// style with an Ethereum key. Validator accepts a record only if it is
// within Config.MaxRecordSize, unexpired, not issued in the future, and
// signed by the key it describes: the address that is its key (node and
// validator descriptors), the owner its self-certifying id was derived from
// (SubnetID, ModelID), or whoever Config.PluginVerifier accepts (plugin
// manifests, keyed by the .wasm sha256, payload opaque here). Of two
// records for a key the higher Seq wins, so stale ones are refused.
//
// # What a registry uses
//
//	node, err := p2p.New(p2p.Config{Key: operatorKey, IdentityPath: dir + "/p2p.key",
//		ListenAddrs: flagListen, Bootstrap: flagBootstrap,
//		PluginVerifier: pluginsCheck, Blobs: pluginStore, Logger: log})
//	go node.Run(ctx)                            // bootstrap, re-dial, ping, republish
//	defer node.Close()
//
//	node.AdvertiseValidator(ctx, &p2p.ValidatorDescriptor{Endpoints: ...})
//	node.Put(ctx, ownerSignedSubnetRecord)       // from a gRPC subnet create/update
//	node.GetSubnet(ctx, id); node.GetModel(ctx, id); node.GetPlugin(ctx, sha)
//	node.FindNodes(ctx, p2p.SubnetCID(id), 0)    // compute nodes of a subnet, descriptors checked
//	node.FindNodes(ctx, p2p.ModelCID(id), 0)     // ... serving a model
//	node.FindValidators(ctx, 0)
//	node.Validator().Check(key, value)           // a signed record that came over gRPC
//
//	node.Join(p2p.TopicMempool, validateEntry)   // per-topic validator: accept, ErrIgnore, reject
//	sub, _ := node.Subscribe(p2p.TopicMempool); d, _ := sub.Next(ctx)
//	node.Publish(ctx, p2p.TopicMempool, entry)   // signed with Config.Key
//
//	node.Provide(ctx, p2p.BlobCID(sha))          // after storing a plugin
//	wasm, err := node.FetchBlob(ctx, sha)        // from any provider, verified
//	err = node.FetchBlobFile(ctx, sha, path, max, nil) // a large one, to disk, resumable
//
// A compute node or gateway runs the same Node in ModeClient and calls
// AdvertiseNode, which publishes its descriptor and provides the subnet
// and model keys it lists. Payloads of gossip messages are opaque: the
// consumer's TopicValidator decides what they mean, after the node has
// checked size, topic, age and signature. Message ids are the hash of the
// envelope, so duplicates are dropped by gossipsub itself.
//
// # Liveness
//
// libp2p by itself notices a dead peer after 30-40 s and, after a link
// heals, reconnects nothing for about two minutes. Run therefore pings every
// connected peer every PingInterval and disconnects one that misses
// PingFailures pings, and re-dials disconnected bootstrap peers every
// RedialInterval (clearing the dial backoff). Peer connect and disconnect
// events are on Host().EventBus() (event.EvtPeerConnectednessChanged).
package p2p
