
            local lease_key = KEYS[1]
            local expirations_key = KEYS[2]
            local lease_id = ARGV[1]
            local new_expiration_timestamp = tonumber(ARGV[2])
            local new_expiration_iso = ARGV[3]

            -- Get existing lease data
            local serialized_lease = redis.call('get', lease_key)
            if not serialized_lease then
                -- Lease doesn't exist - clean up any orphaned index entry
                redis.call('zrem', expirations_key, lease_id)
                return 0
            end

            -- Parse lease data, update expiration, and save back
            local lease_data = cjson.decode(serialized_lease)
            lease_data['expiration'] = new_expiration_iso
            redis.call('set', lease_key, cjson.encode(lease_data))

            -- Update the expiration index
            redis.call('zadd', expirations_key, new_expiration_timestamp, lease_id)
            return 1
            