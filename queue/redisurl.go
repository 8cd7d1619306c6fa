package queue

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// RedisOptions are the connections one REDIS_URL describes, for asynq and
// for go-redis. Exactly one of Single, Failover and Cluster is set.
type RedisOptions struct {
	Single   *redis.Options
	Failover *redis.FailoverOptions
	Cluster  *redis.ClusterOptions
	// Asynq connects asynq's client, servers, scheduler and inspector to
	// the same Redis.
	Asynq asynq.RedisConnOpt
}

// Default ports of the addresses of a Sentinel or Cluster URL that name none.
const (
	sentinelPort = "26379"
	clusterPort  = "6379"
)

// redisURLForms is what an operator can write, for error messages.
const redisURLForms = "redis://[:password@]host:6379[/db], rediss://… (TLS), " +
	"redis-sentinel://[:password@]host1:26379,host2:26379[/db]?master=name, " +
	"or redis-cluster://[:password@]host1:6379,host2:6379"

// ParseRedisURL reads REDIS_URL: a single node (redis://, rediss://,
// unix://), Sentinel (redis-sentinel://, rediss-sentinel://) or Cluster
// (redis-cluster://, rediss-cluster://). go-redis parses each form; the
// Sentinel and Cluster forms are first rewritten into the URLs its
// ParseFailoverURL and ParseClusterURL take (first address as host, the
// others as addr parameters), so that its query options (dial_timeout,
// pool_size, …) work in every form. The error names REDIS_URL and never
// contains the URL's password.
func ParseRedisURL(raw string) (RedisOptions, error) {
	o, err := parseRedisURL(raw)
	if err != nil {
		return RedisOptions{}, fmt.Errorf("REDIS_URL is not valid: %s; use %s", redact(err, raw), redisURLForms)
	}
	return o, nil
}

func parseRedisURL(raw string) (RedisOptions, error) {
	scheme, _, ok := strings.Cut(raw, "://")
	if !ok {
		return RedisOptions{}, errors.New("it has no scheme such as redis://")
	}
	switch scheme {
	case "redis-sentinel", "rediss-sentinel":
		u, hosts, err := parseHostList(raw)
		if err != nil {
			return RedisOptions{}, err
		}
		return parseSentinelURL(u, hosts)
	case "redis-cluster", "rediss-cluster":
		u, hosts, err := parseHostList(raw)
		if err != nil {
			return RedisOptions{}, err
		}
		return parseClusterURL(u, hosts)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return RedisOptions{}, err
	}
	switch u.Scheme {
	case "redis", "rediss", "unix":
	default:
		return RedisOptions{}, fmt.Errorf("the scheme %q is not one of redis, rediss, unix, "+
			"redis-sentinel, rediss-sentinel, redis-cluster, rediss-cluster", u.Scheme)
	}
	o, err := redis.ParseURL(raw)
	if err != nil {
		return RedisOptions{}, err
	}
	return RedisOptions{Single: o, Asynq: asynq.RedisClientOpt{
		Network: o.Network, Addr: o.Addr, Username: o.Username, Password: o.Password, DB: o.DB,
		DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
		PoolSize: o.PoolSize, TLSConfig: o.TLSConfig,
	}}, nil
}

// parseHostList parses a URL whose host is a list (host1:port1,host2,…),
// which net/url refuses when an entry but the last has no port or is an
// IPv6 literal: the list is taken out before and returned beside the rest.
func parseHostList(raw string) (u *url.URL, hosts string, err error) {
	scheme, rest, _ := strings.Cut(raw, "://")
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority := rest[:end]
	at := strings.LastIndex(authority, "@")
	hosts = authority[at+1:]
	u, err = url.Parse(scheme + "://" + authority[:at+1] + "hosts" + rest[end:])
	if err != nil {
		return nil, "", err
	}
	if hosts == "" {
		return nil, "", errors.New("it names no host")
	}
	return u, hosts, nil
}

// parseSentinelURL reads redis-sentinel://[user:password@]host1,host2[/db]?master=name.
// The user and password are the Redis master's (as in redis://); the
// Sentinels' own, if they have any, are the sentinel_username and
// sentinel_password parameters.
func parseSentinelURL(u *url.URL, hosts string) (RedisOptions, error) {
	addrs, err := hostList(hosts, sentinelPort)
	if err != nil {
		return RedisOptions{}, err
	}
	q := u.Query()
	master := q.Get("master")
	if master == "" {
		master = q.Get("master_name")
	}
	if master == "" {
		return RedisOptions{}, errors.New("a Sentinel URL needs the master's name, as in ?master=mymaster")
	}
	sentinelUser, sentinelPassword := q.Get("sentinel_username"), q.Get("sentinel_password")
	for _, k := range []string{"master", "master_name", "sentinel_username", "sentinel_password"} {
		q.Del(k)
	}
	q.Set("master_name", master)
	o, err := redis.ParseFailoverURL(libraryURL(u, addrs, q, nil).String())
	if err != nil {
		return RedisOptions{}, err
	}
	if u.User != nil {
		o.Username = u.User.Username()
		o.Password, _ = u.User.Password()
	}
	o.SentinelUsername, o.SentinelPassword = sentinelUser, sentinelPassword
	return RedisOptions{Failover: o, Asynq: asynq.RedisFailoverClientOpt{
		MasterName: o.MasterName, SentinelAddrs: o.SentinelAddrs,
		SentinelUsername: o.SentinelUsername, SentinelPassword: o.SentinelPassword,
		Username: o.Username, Password: o.Password, DB: o.DB,
		DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
		PoolSize: o.PoolSize, TLSConfig: o.TLSConfig,
	}}, nil
}

// parseClusterURL reads redis-cluster://[user:password@]host1,host2,…: any
// of the nodes is enough to find the others.
func parseClusterURL(u *url.URL, hosts string) (RedisOptions, error) {
	if strings.Trim(u.Path, "/") != "" {
		return RedisOptions{}, errors.New("a Redis Cluster has only database 0: remove the path " + u.Path)
	}
	addrs, err := hostList(hosts, clusterPort)
	if err != nil {
		return RedisOptions{}, err
	}
	o, err := redis.ParseClusterURL(libraryURL(u, addrs, u.Query(), u.User).String())
	if err != nil {
		return RedisOptions{}, err
	}
	return RedisOptions{Cluster: o, Asynq: asynq.RedisClusterClientOpt{
		Addrs: o.Addrs, MaxRedirects: o.MaxRedirects, Username: o.Username, Password: o.Password,
		DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
		TLSConfig: o.TLSConfig,
	}}, nil
}

// libraryURL is u as go-redis's parsers take it: scheme redis or rediss,
// the first address as host and the others as addr parameters.
func libraryURL(u *url.URL, addrs []string, q url.Values, user *url.Userinfo) *url.URL {
	for _, a := range addrs[1:] {
		q.Add("addr", a)
	}
	return &url.URL{Scheme: strings.Split(u.Scheme, "-")[0], User: user, Host: addrs[0], Path: u.Path,
		RawQuery: q.Encode()}
}

// hostList splits host1:port1,host2,… into addresses, giving those without
// a port defaultPort.
func hostList(hosts, defaultPort string) ([]string, error) {
	var addrs []string
	for h := range strings.SplitSeq(hosts, ",") {
		if h == "" {
			return nil, errors.New("it lists an empty address (host:port,host:port)")
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(strings.Trim(h, "[]"), defaultPort)
		}
		addrs = append(addrs, h)
	}
	return addrs, nil
}

// redact is err's message without the URL: net/url's errors quote the whole
// URL, password included, so only their reason is kept, and any password
// the URL holds is masked should a message quote it anyway.
func redact(err error, raw string) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := err.Error()
	if u, _, perr := parseHostList(raw); perr == nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "****")
		}
		for _, k := range []string{"password", "sentinel_password"} {
			if p := u.Query().Get(k); p != "" {
				msg = strings.ReplaceAll(msg, p, "****")
			}
		}
	}
	return msg
}

// NewClient is a go-redis client of the options: a plain, failover
// (Sentinel) or cluster client.
func (o RedisOptions) NewClient() redis.UniversalClient {
	switch {
	case o.Failover != nil:
		return redis.NewFailoverClient(o.Failover)
	case o.Cluster != nil:
		return redis.NewClusterClient(o.Cluster)
	}
	return redis.NewClient(o.Single)
}

// setTimeouts bounds the go-redis client's calls by d where the URL set no
// timeout; asynq keeps its own defaults.
func (o RedisOptions) setTimeouts(d time.Duration) {
	var ts []*time.Duration
	switch {
	case o.Failover != nil:
		ts = []*time.Duration{&o.Failover.DialTimeout, &o.Failover.ReadTimeout, &o.Failover.WriteTimeout}
	case o.Cluster != nil:
		ts = []*time.Duration{&o.Cluster.DialTimeout, &o.Cluster.ReadTimeout, &o.Cluster.WriteTimeout}
	default:
		ts = []*time.Duration{&o.Single.DialTimeout, &o.Single.ReadTimeout, &o.Single.WriteTimeout}
	}
	for _, t := range ts {
		if *t == 0 {
			*t = d
		}
	}
}
