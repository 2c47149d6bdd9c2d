//! Packets of a real session, mutated and re-checksummed so they pass the CRC and
//! reach the association's chunk parsers: nothing may panic, and what is not
//! accepted is counted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Pair, fix_checksum, pseudo_random_bytes};
use rtcscope_netsim::Side;
use rtcscope_sctp::DataChannelInit;

#[test]
fn checksum_valid_mutations_of_real_packets_never_panic() {
    let mut pair = Pair::lossless(5);
    pair.sniff = true;
    pair.connect();
    let id = pair
        .a
        .create_data_channel(DataChannelInit::new("fuzz"))
        .unwrap();
    assert!(pair.run_until(Duration::from_secs(2), |p| Pair::opened(&p.events_b, id)));
    pair.a
        .send_binary(id, &pseudo_random_bytes(1, 3000))
        .unwrap();
    pair.a.send_text(id, "hello").unwrap();
    pair.b.send_text(id, "back").unwrap();
    pair.a.close_channel(id).unwrap();
    pair.run_for(Duration::from_secs(2));
    let originals: Vec<Vec<u8>> = pair
        .packets
        .iter()
        .filter(|(from, _)| *from == Side::A)
        .map(|(_, p)| p.to_vec())
        .collect();
    assert!(
        originals.len() >= 8,
        "a varied session: {}",
        originals.len()
    );

    // Fresh victims at each stage of the association, fed many mutations each.
    let noise = pseudo_random_bytes(77, 199_999);
    let mut n = 0usize;
    let mut next = || {
        n += 1;
        noise[n % noise.len()]
    };
    let mut fed = 0u64;
    let mut refused = 0u64;
    // SCTP_MUTATION_VICTIMS=N runs a longer hunt by hand; CI runs 40.
    let victims: usize = std::env::var("SCTP_MUTATION_VICTIMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    for victim_round in 0..victims {
        let mut victim = Pair::lossless(5);
        victim.connect();
        let now = victim.now;
        for round in 0..40 {
            let base = &originals[(round + victim_round) % originals.len()];
            let mut packet = base.clone();
            // Keep the verification tag of the victim's association for most
            // packets so the mutations reach its chunk parsers.
            if next() % 4 != 0 {
                let vtag = victim_vtag(&mut victim);
                packet[4..8].copy_from_slice(&vtag);
            }
            for _ in 0..(1 + next() % 4) {
                let at = 12 + usize::from(next()) * usize::from(next()) % (packet.len() - 12);
                packet[at] = next();
            }
            if next() % 8 == 0 {
                let cut = 12 + usize::from(next()) % (packet.len() - 11);
                packet.truncate(cut);
            }
            fix_checksum(&mut packet);
            victim.b.handle_receive(now, &packet);
            fed += 1;
            victim.step();
        }
        // Whatever state it is in, it still answers timers and polls.
        victim.run_for(Duration::from_secs(1));
        refused += victim.b.discards().packets_not_accepted;
    }
    assert_eq!(fed, 40 * victims as u64);
    eprintln!(
        "{} of {fed} mutated packets reached the association",
        fed - refused
    );
    // Most carry the right tag and a valid checksum, so they get past the endpoint.
    assert!(refused > 0 && refused < fed / 2, "refused {refused}");
}

/// The verification tag B expects: the one on packets A sends it.
fn victim_vtag(victim: &mut Pair) -> [u8; 4] {
    victim.sniff = true;
    if let Some((_, p)) = victim
        .packets
        .iter()
        .rev()
        .find(|(from, _)| *from == Side::A)
    {
        return [p[4], p[5], p[6], p[7]];
    }
    // Nothing captured yet: provoke a packet from A.
    let id = victim
        .a
        .create_data_channel(DataChannelInit::new("t"))
        .unwrap_or(0);
    let _ = victim.a.send_text(id, "t");
    victim.flush();
    victim
        .packets
        .iter()
        .rev()
        .find(|(from, _)| *from == Side::A)
        .map(|(_, p)| [p[4], p[5], p[6], p[7]])
        .unwrap_or([0; 4])
}
