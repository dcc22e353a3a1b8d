
		local jobIds = redis.call('SMEMBERS', KEYS[1])
		if #jobIds == 0 then
			return nil
		end

		local nextScanAt = tonumber(ARGV[1])
		local lockDeadline = tonumber(ARGV[2])
		local lockTime = ARGV[3]
		local lastModifiedBy = ARGV[4]
		local sortDir = ARGV[5]
		local keyPrefix = KEYS[3]

		-- Get scores and sort candidates
		local candidates = {}
		for _, jobId in ipairs(jobIds) do
			local score = redis.call('ZSCORE', KEYS[2], jobId)
			if score then
				table.insert(candidates, {id = jobId, score = tonumber(score)})
			end
		end

		-- Sort by score
		if sortDir == 'asc' then
			table.sort(candidates, function(a, b) return a.score < b.score end)
		else
			table.sort(candidates, function(a, b) return a.score > b.score end)
		end

		-- Try to lock each candidate
		for _, candidate in ipairs(candidates) do
			local jobKey = keyPrefix .. candidate.id
			local jobData = redis.call('HGETALL', jobKey)

			if #jobData > 0 then
				-- Convert array to table
				local data = {}
				for i = 1, #jobData, 2 do
					data[jobData[i]] = jobData[i + 1]
				end

				-- Check if disabled
				if data.disabled ~= 'true' then
					local lockedAtMs = data.lockedAtMs
					local nextRunAt = data.nextRunAt

					-- Check if job is ready to run
					local isUnlockedAndReady = false
					local isStale = false

					if not lockedAtMs or lockedAtMs == 'null' then
						-- Job is unlocked
						if nextRunAt and nextRunAt ~= 'null' then
							-- We compare scores since they're based on nextRunAt
							if candidate.score <= nextScanAt then
								isUnlockedAndReady = true
							end
						end
					else
						-- Job is locked - check if stale
						local lockedAtTime = tonumber(lockedAtMs)
						if lockedAtTime and lockedAtTime <= lockDeadline then
							isStale = true
						end
					end

					if isUnlockedAndReady or isStale then
						-- Lock the job atomically
						local lockTimeMs = redis.call('TIME')
						local lockTimestamp = (lockTimeMs[1] * 1000) + math.floor(lockTimeMs[2] / 1000)
						redis.call('HSET', jobKey, 'lockedAtMs', tostring(lockTimestamp), 'lastModifiedBy', lastModifiedBy, 'updatedAt', lockTime)
						return candidate.id
					end
				end
			end
		end

		return nil
	