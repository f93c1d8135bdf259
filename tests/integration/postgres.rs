//! PostgreSQL as the database (issue 15): the tests' own cluster (`crate::pg`), and the commands
//! that run on it.

use crate::pg;

/// The cluster starts from the server's own tools, and each test gets an empty database of its
/// own: a missing server fails here, saying how to install it.
#[test]
fn the_test_cluster_gives_each_test_an_empty_database() {
    let a = pg::cluster().create_database();
    let b = pg::cluster().create_database();
    assert_ne!(a.name, b.name);
    a.psql("CREATE TABLE only_in_a (id INTEGER)");
    assert_eq!(
        b.value("SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'"),
        "0"
    );
    assert_eq!(a.value("SHOW fsync"), "off");
    assert_eq!(a.value("SHOW listen_addresses"), "");
}
