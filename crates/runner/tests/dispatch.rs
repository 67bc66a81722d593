//! Users are given classes by weight exactly as Locust's dispatcher does; fixed_count first.

use milmove_runner::{DispatchClass, Dispatcher};

fn class(name: &str, weight: u32, fixed: Option<u32>) -> DispatchClass {
    DispatchClass {
        name: name.into(),
        weight,
        fixed_count: fixed,
    }
}

#[test]
fn weights_give_exact_proportions_at_every_full_cycle() {
    let classes = [class("A", 1, None), class("B", 3, None)];
    let d = Dispatcher::new(&classes);
    for cycles in 1..20 {
        let n = 4 * cycles;
        assert_eq!(d.counts(n, 2), vec![cycles, 3 * cycles], "n = {n}");
    }
    // In between cycles the split never strays more than one user from the ideal.
    for n in 0..200 {
        let c = d.counts(n, 2);
        let ideal_a = n as f64 / 4.0;
        assert!((c[0] as f64 - ideal_a).abs() <= 1.0, "n = {n}: {c:?}");
        assert_eq!(c[0] + c[1], n);
    }
}

#[test]
fn order_is_deterministic_and_by_class_name() {
    // Given in reverse order: dispatch sorts by name, so the result is the same.
    let a = Dispatcher::new(&[class("Zeta", 1, None), class("Alpha", 1, None)]);
    let b = Dispatcher::new(&[class("Alpha", 1, None), class("Zeta", 1, None)]);
    let names_a: Vec<usize> = (0..10).map(|n| a.class_of(n).unwrap()).collect();
    let names_b: Vec<usize> = (0..10).map(|n| b.class_of(n).unwrap()).collect();
    // Index 1 is Alpha in `a`, index 0 in `b`: the first user is Alpha either way.
    assert_eq!(names_a[0], 1);
    assert_eq!(names_b[0], 0);
    assert_eq!(names_a.iter().map(|&i| 1 - i).collect::<Vec<_>>(), names_b);
}

#[test]
fn smooth_interleaving_for_two_to_one() {
    // Locust normalises weights to a minimum of 2: 2:1 → 4:2, smooth round-robin A A B A A B.
    let d = Dispatcher::new(&[class("A", 2, None), class("B", 1, None)]);
    let seq: Vec<usize> = (0..6).map(|n| d.class_of(n).unwrap()).collect();
    assert_eq!(seq, vec![0, 1, 0, 0, 1, 0]);
    assert_eq!(d.counts(3, 2), vec![2, 1]);
    assert_eq!(d.counts(6, 2), vec![4, 2]);
}

#[test]
fn fixed_count_is_honoured_before_weights() {
    let classes = [
        class("Admin", 1, Some(2)),
        class("Web", 1, None),
        class("Mobile", 1, None),
    ];
    let d = Dispatcher::new(&classes);
    // The two fixed users come first.
    assert_eq!(d.counts(1, 3), vec![1, 0, 0]);
    assert_eq!(d.counts(2, 3), vec![2, 0, 0]);
    // Never more than the fixed count, the rest split by weight.
    assert_eq!(d.counts(12, 3), vec![2, 5, 5]);
    assert_eq!(d.counts(1000, 3), vec![2, 499, 499]);
}

#[test]
fn only_fixed_classes_cap_the_user_count() {
    let d = Dispatcher::new(&[class("A", 1, Some(3)), class("B", 1, Some(1))]);
    assert_eq!(d.capacity(), Some(4));
    assert_eq!(d.counts(10, 2), vec![3, 1]);
    assert_eq!(d.class_of(4), None);
}

#[test]
fn zero_weight_class_gets_no_user() {
    let d = Dispatcher::new(&[class("A", 0, None), class("B", 5, None)]);
    assert_eq!(d.counts(50, 2), vec![0, 50]);
}

#[test]
fn normalised_weights_round_halves_to_even_as_python() {
    // 2 × 5 / 4 = 2.5: Python's round (Locust) gives 2, so A and B alternate 1:1.
    let classes = [class("A", 4, None), class("B", 5, None)];
    let d = Dispatcher::new(&classes);
    assert_eq!(d.counts(4, 2), vec![2, 2]);
    assert_eq!(d.counts(8, 2), vec![4, 4]);
}

mod across_workers {
    use super::class;
    use milmove_runner::{distribute, Dispatcher};

    fn mix() -> Vec<milmove_runner::DispatchClass> {
        vec![
            class("Admin", 1, Some(2)),
            class("Web", 3, None),
            class("Mobile", 1, None),
            class("Api", 2, None),
        ]
    }

    #[test]
    fn class_totals_equal_one_process_and_workers_are_even() {
        let classes = mix();
        for users in [0, 1, 2, 3, 7, 10, 33, 100, 1001] {
            let single = Dispatcher::new(&classes).counts(users, classes.len());
            for workers in 1..=7 {
                let shares = distribute(&classes, users, 10.0, None, workers);
                assert_eq!(shares.len(), workers);
                for (c, &expected) in single.iter().enumerate() {
                    let total: usize = shares.iter().map(|s| s.users_by_class[c]).sum();
                    assert_eq!(total, expected, "class {c}, {users} users on {workers}");
                    let (lo, hi) = minmax(shares.iter().map(|s| s.users_by_class[c]));
                    assert!(hi - lo <= 1, "class {c} uneven: {shares:?}");
                }
                let (lo, hi) = minmax(shares.iter().map(|s| s.users()));
                assert!(hi - lo <= 1, "{users} users on {workers}: {shares:?}");
                for s in &shares {
                    assert!((s.spawn_rate - 10.0 / workers as f64).abs() < 1e-12);
                }
            }
        }
    }

    #[test]
    fn fixed_count_is_honoured_across_workers() {
        let classes = mix();
        for workers in 1..=5 {
            let shares = distribute(&classes, 1000, 1.0, None, workers);
            let admins: usize = shares.iter().map(|s| s.users_by_class[0]).sum();
            assert_eq!(admins, 2);
        }
        // Only fixed classes: capped at their total, however many users are asked for.
        let fixed = [class("A", 1, Some(3)), class("B", 1, Some(1))];
        let shares = distribute(&fixed, 50, 1.0, None, 3);
        assert_eq!(shares.iter().map(|s| s.users()).sum::<usize>(), 4);
    }

    #[test]
    fn each_worker_keeps_the_class_ratio() {
        // Two equal classes on two workers: both workers run both classes (a plain
        // round-robin over the user sequence would give each worker a single class).
        let classes = [class("A", 1, None), class("B", 1, None)];
        let shares = distribute(&classes, 100, 1.0, None, 2);
        for s in &shares {
            assert_eq!(s.users_by_class, vec![25, 25]);
        }
    }

    #[test]
    fn arrival_rate_is_split_by_users() {
        let classes = [class("A", 1, None)];
        let shares = distribute(&classes, 10, 1.0, Some(100.0), 3);
        let rates: Vec<f64> = shares.iter().map(|s| s.arrival_rate.unwrap()).collect();
        assert_eq!(rates, vec![40.0, 30.0, 30.0]);
        assert!((rates.iter().sum::<f64>() - 100.0).abs() < 1e-9);
        // Without users the rate is split evenly.
        let idle = distribute(&classes, 0, 1.0, Some(90.0), 3);
        assert!(idle.iter().all(|s| s.arrival_rate == Some(30.0)));
        assert_eq!(distribute(&classes, 10, 1.0, None, 2)[0].arrival_rate, None);
    }

    #[test]
    fn rebalance_on_join_and_loss_keeps_totals() {
        let classes = mix();
        let before = distribute(&classes, 60, 6.0, None, 3);
        // A worker joins: everyone's share shrinks, the totals stay.
        let joined = distribute(&classes, 60, 6.0, None, 4);
        assert_eq!(
            joined.iter().map(|s| s.users()).collect::<Vec<_>>(),
            [15; 4]
        );
        // A worker is lost: the survivors take its users.
        let lost = distribute(&classes, 60, 6.0, None, 2);
        assert_eq!(lost.iter().map(|s| s.users()).collect::<Vec<_>>(), [30; 2]);
        for c in 0..classes.len() {
            let t = |v: &[milmove_runner::WorkerShare]| -> usize {
                v.iter().map(|s| s.users_by_class[c]).sum()
            };
            assert_eq!(t(&before), t(&joined));
            assert_eq!(t(&before), t(&lost));
        }
        assert!(distribute(&classes, 60, 6.0, None, 0).is_empty());
    }

    fn minmax(it: impl Iterator<Item = usize>) -> (usize, usize) {
        it.fold((usize::MAX, 0), |(lo, hi), x| (lo.min(x), hi.max(x)))
    }
}
