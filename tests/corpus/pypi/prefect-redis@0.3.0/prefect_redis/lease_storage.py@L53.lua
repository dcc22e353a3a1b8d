
            -- KEYS[1] = lease_key
            -- KEYS[2] = expirations_key
            -- KEYS[3..n] = limit_holders_key for each resource id
            -- ARGV[1] = lease_json
            -- ARGV[2] = expiration_ts (number)
            -- ARGV[3] = lease_id
            -- ARGV[4] = holder_entry_json (or empty string)
            redis.call('SET', KEYS[1], ARGV[1])
            redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
            if ARGV[4] ~= '' then
              local i = 3
              while i <= #KEYS do
                redis.call('HSET', KEYS[i], ARGV[3], ARGV[4])
                i = i + 1
              end
            end
            return 1
            