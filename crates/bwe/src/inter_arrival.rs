//! Groups packets sent within a 5 ms burst and yields the send-time and
//! arrival-time differences between consecutive groups (the input of the
//! delay-gradient trendline; GoogCC's inter-arrival stage).

/// Packets sent within this span of the group's first one form a group.
const GROUP_SPAN_US: i64 = 5_000;
/// A packet arriving this soon after the group's last one, with a negative
/// propagation delta, was queued behind it (a burst): same group.
const BURST_DELTA_US: i64 = 5_000;
const MAX_BURST_US: i64 = 100_000;
/// An arrival gap this much larger than the send gap means the remote clock
/// jumped (or the feedback lies): start over.
const CLOCK_JUMP_US: i64 = 3_000_000;
/// Consecutive reordered groups after which the state is reset.
const MAX_REORDERED_GROUPS: u32 = 3;

#[derive(Debug, Clone, Copy)]
struct Group {
    first_send_us: i64,
    last_send_us: i64,
    first_arrival_us: i64,
    last_arrival_us: i64,
}

/// Differences between two consecutive packet groups, in µs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GroupDelta {
    pub send_delta_us: i64,
    pub arrival_delta_us: i64,
    /// Arrival time of the group that completed.
    pub arrival_us: i64,
}

#[derive(Debug, Default)]
pub(crate) struct InterArrival {
    current: Option<Group>,
    previous: Option<Group>,
    reordered_groups: u32,
    /// Times the state was thrown away (clock jumps, reordering).
    pub resets: u64,
}

impl InterArrival {
    /// Adds one received packet (in sending order); returns the delta when
    /// it starts a new group and two complete groups are known.
    pub fn on_packet(&mut self, send_us: i64, arrival_us: i64) -> Option<GroupDelta> {
        let Some(mut cur) = self.current else {
            self.current = Some(Group {
                first_send_us: send_us,
                last_send_us: send_us,
                first_arrival_us: arrival_us,
                last_arrival_us: arrival_us,
            });
            return None;
        };
        if send_us < cur.first_send_us {
            // Sent before the current group started: reported out of order.
            return None;
        }
        if !self.starts_new_group(&cur, send_us, arrival_us) {
            cur.last_send_us = cur.last_send_us.max(send_us);
            cur.last_arrival_us = cur.last_arrival_us.max(arrival_us);
            self.current = Some(cur);
            return None;
        }
        let mut delta = None;
        if let Some(prev) = self.previous {
            let send_delta_us = cur.last_send_us - prev.last_send_us;
            // Arrival times come from the peer: saturate, never overflow.
            let arrival_delta_us = cur.last_arrival_us.saturating_sub(prev.last_arrival_us);
            if arrival_delta_us.saturating_sub(send_delta_us) >= CLOCK_JUMP_US {
                self.reset(send_us, arrival_us);
                return None;
            }
            if arrival_delta_us < 0 {
                self.reordered_groups += 1;
                if self.reordered_groups >= MAX_REORDERED_GROUPS {
                    self.reset(send_us, arrival_us);
                }
                return None;
            }
            self.reordered_groups = 0;
            delta = Some(GroupDelta {
                send_delta_us,
                arrival_delta_us,
                arrival_us: cur.last_arrival_us,
            });
        }
        self.previous = Some(cur);
        self.current = Some(Group {
            first_send_us: send_us,
            last_send_us: send_us,
            first_arrival_us: arrival_us,
            last_arrival_us: arrival_us,
        });
        delta
    }

    fn starts_new_group(&self, cur: &Group, send_us: i64, arrival_us: i64) -> bool {
        let arrival_delta = arrival_us.saturating_sub(cur.last_arrival_us);
        let send_delta = send_us - cur.last_send_us;
        if send_delta == 0 {
            return false;
        }
        let in_burst = arrival_delta.saturating_sub(send_delta) < 0
            && arrival_delta <= BURST_DELTA_US
            && arrival_us.saturating_sub(cur.first_arrival_us) < MAX_BURST_US;
        !in_burst && send_us - cur.first_send_us > GROUP_SPAN_US
    }

    /// Forgets the groups; the packet that revealed the problem starts anew.
    fn reset(&mut self, send_us: i64, arrival_us: i64) {
        self.current = Some(Group {
            first_send_us: send_us,
            last_send_us: send_us,
            first_arrival_us: arrival_us,
            last_arrival_us: arrival_us,
        });
        self.previous = None;
        self.reordered_groups = 0;
        self.resets += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_5_ms_bursts_and_reports_deltas_between_group_ends() {
        let mut ia = InterArrival::default();
        // Group A: sent 0, 2, 4 ms; arrive 50, 52, 54 ms.
        for t in [0, 2_000, 4_000] {
            assert_eq!(ia.on_packet(t, t + 50_000), None);
        }
        // Group B starts at 10 ms (10 - 0 > 5 ms); arrives 3 ms later than
        // the constant-delay arrival would be.
        assert_eq!(ia.on_packet(10_000, 63_000), None, "first two groups");
        assert_eq!(ia.on_packet(12_000, 65_000), None);
        // Group C at 20 ms (arriving 10 ms after B's end, so not a burst)
        // completes B: deltas between B's and A's last packets.
        assert_eq!(
            ia.on_packet(20_000, 75_000),
            Some(GroupDelta {
                send_delta_us: 12_000 - 4_000,
                arrival_delta_us: 65_000 - 54_000,
                arrival_us: 65_000,
            })
        );
    }

    #[test]
    fn a_clock_jump_resets_instead_of_reporting_a_huge_delta() {
        let mut ia = InterArrival::default();
        ia.on_packet(0, 0);
        ia.on_packet(10_000, 10_000);
        assert!(ia.on_packet(20_000, 20_000).is_some());
        // Arrival jumps 10 s while sending advanced 10 ms; the delta of the
        // group before the jump is still reported.
        assert!(ia.on_packet(30_000, 10_030_000).is_some());
        // Completing the jumped group resets instead of reporting 10 s.
        assert_eq!(ia.on_packet(40_000, 10_040_000), None);
        assert_eq!(ia.resets, 1);
        // Starting over: two groups are needed before the next delta.
        assert_eq!(ia.on_packet(50_000, 10_050_000), None);
        assert_eq!(
            ia.on_packet(60_000, 10_060_000),
            Some(GroupDelta {
                send_delta_us: 10_000,
                arrival_delta_us: 10_000,
                arrival_us: 10_050_000,
            })
        );
    }
}
